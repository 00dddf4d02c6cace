// Messages on the feed stream (src/stream/stream_record.cc, no server):
// DecodeStreamRecord over a message body, the round trip through
// EncodeStreamRecord, CanonicalLineOfMessage read as a canonical JSON Lines
// feed (what the consumer hands to IngestFiles), and the partition list of
// `tacit stream consume --partitions`. The first byte picks which.
#include "fuzz_util.h"
#include "tacit/stream.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tacit;
  if (size == 0) return 0;
  const std::string_view body = fuzz::AsText(data + 1, size - 1);
  if (data[0] & 1) {
    auto list = ParsePartitionList(body);
    if (list) {
      FUZZ_CHECK(!list->empty());
      for (size_t i = 0; i < list->size(); ++i) {
        FUZZ_CHECK((*list)[i] >= 0 && (*list)[i] < kMaxFeedPartitions);
        if (i > 0) FUZZ_CHECK((*list)[i - 1] < (*list)[i]);
      }
    }
    return 0;
  }
  auto record = DecodeStreamRecord(body);
  if (record) {
    // What a consumer decodes, a publisher encodes to the same record.
    auto again = DecodeStreamRecord(EncodeStreamRecord(*record));
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(again->source == record->source && again->kind == record->kind &&
               again->id_number == record->id_number && again->ref == record->ref &&
               again->occurred_on == record->occurred_on && again->received_on == record->received_on);
    const int p = FeedPartition(record->id_number, record->source, record->ref, kDefaultFeedPartitions,
                                fuzz::FuzzToday());
    FUZZ_CHECK(p >= 0 && p < kDefaultFeedPartitions);
  }
  static const Mapping canonical = CanonicalMapping(FeedFormat::kJsonLines);
  fuzz::ReadAndCheck("stream.jsonl", CanonicalLineOfMessage(body), &canonical);
  return 0;
}
