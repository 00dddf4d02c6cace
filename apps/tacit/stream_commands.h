// `tacit stream publish` and `tacit stream consume`: partner records through
// the durable feed stream (tacit/stream.h, docs/feeds.md "Feed stream").
#ifndef TACIT_APPS_TACIT_STREAM_COMMANDS_H_
#define TACIT_APPS_TACIT_STREAM_COMMANDS_H_

#include <string>
#include <vector>

#include "tacit/policy.h"
#include "tacit/result.h"
#include "tacit/store.h"

namespace tacit::cli {

struct StreamArgs {
  std::string nats_url;  // --nats (env TACIT_NATS_URL)
  // publish
  std::vector<std::string> files;
  std::string mapping, source, received_on, policy_file;
  int partition_count = 16;  // --partitions P of publish
  // consume
  std::string partitions;  // --partitions LIST of consume
  int batch = 5000;
  double idle_exit_s = 0;
  std::string spool_dir;
};

// Publishes the files' good records; never opens the store. The policy
// (kinds and sources a row may have) is --policy FILE or the built-in one.
Status StreamPublish(const StreamArgs& a);

// Consumes the partitions into the store until SIGTERM / Ctrl-C (the batch in
// hand is finished) or --idle-exit. `db` is the --db location (the default
// spool directory is beside a SQLite store).
Status StreamConsume(Store& store, const Policy& policy, const std::string& db, const StreamArgs& a);

// The stream's last sequence and the store's offset of each partition.
Status StreamStatus(Store& store, const StreamArgs& a);

}  // namespace tacit::cli

#endif  // TACIT_APPS_TACIT_STREAM_COMMANDS_H_
