// The dispatcher: claim (short unit of work), send (no transaction open),
// record (one unit of work). See tacit/outreach.h and docs/outreach.md.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <set>

#include "tacit/outreach.h"

namespace tacit {

namespace {

constexpr int64_t kDayMs = 86'400'000;
// Sent SMS are looked up for a receipt for this long; after it they stay "sent".
constexpr int64_t kReceiptWindowMs = 3 * kDayMs;

bool IsMobile(std::string_view phone) {
  return phone.size() == 11 && phone[0] == '1' &&
         std::all_of(phone.begin(), phone.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string DeadlineKey(const CertificationState& cert) {
  if (!cert.valid_through) return "none";
  return CertificationDeadline(*cert.valid_through).ToString();
}

// The process's store lock (DispatchOptions::store_lock), held by phases.
class StoreGuard {
 public:
  explicit StoreGuard(std::mutex* m) : m_(m) { Lock(); }
  ~StoreGuard() { Unlock(); }
  StoreGuard(const StoreGuard&) = delete;
  StoreGuard& operator=(const StoreGuard&) = delete;
  void Lock() {
    if (m_ != nullptr && !held_) {
      m_->lock();
      held_ = true;
    }
  }
  void Unlock() {
    if (m_ != nullptr && held_) {
      m_->unlock();
      held_ = false;
    }
  }

 private:
  std::mutex* m_;
  bool held_ = false;
};

}  // namespace

struct Dispatcher::Impl {
  Store& store;
  const Policy& policy;
  const Secrets& secrets;
  ChannelFactory& factory;
  DispatchOptions options;
  std::mt19937_64 rng;

  struct Built {
    int64_t updated_ms = -1;
    std::unique_ptr<Channel> channel;
    std::string paused;  // the channel's paused reason when last read
    bool enabled = false;
    std::set<std::string> templates;  // the logical templates the channel has approved ones for
  };
  std::map<std::string, Built> channels;

  Impl(Store& s, const Policy& p, const Secrets& k, ChannelFactory& f, DispatchOptions o)
      : store(s), policy(p), secrets(k), factory(f), options(std::move(o)),
        rng(options.jitter_seed != 0 ? options.jitter_seed : std::random_device{}()) {}

  int64_t Now() const { return options.now_ms(); }
  Date Day(int64_t ms) const { return BeijingDate(ms); }

  bool Quiet(int64_t now) const {
    const Date today = Day(now);
    const int start = ParseClockMinutes(policy.outreach_quiet_start.At(today));
    const int end = ParseClockMinutes(policy.outreach_quiet_end.At(today));
    const int minute = static_cast<int>(((now + kBeijingOffsetMs) % kDayMs + kDayMs) % kDayMs / 60'000);
    if (start < 0 || end < 0 || start == end) return false;
    if (start < end) return minute >= start && minute < end;
    return minute >= start || minute < end;
  }
  // The end of the quiet hours that follow `now`: the next morning.
  int64_t NextMorning(int64_t now) const {
    const Date today = Day(now);
    const int end = std::max(0, ParseClockMinutes(policy.outreach_quiet_end.At(today)));
    int64_t t = BeijingInstant(today, end);
    while (t <= now) t += kDayMs;
    return t;
  }

  // The adapter for a channel, built from its stored configuration (again when
  // it changed); nullptr when not configured, disabled or paused.
  Result<Channel*> ChannelFor(const std::string& name) {
    ASSIGN_OR_RETURN(std::optional<ChannelConfigRecord> rec, store.outreach().FindChannelConfig(name));
    Built& b = channels[name];
    if (!rec) {
      b = Built{};
      return nullptr;
    }
    b.paused = rec->paused_reason;
    if (b.updated_ms != rec->updated_ms) {
      ASSIGN_OR_RETURN(ChannelConfig config, ParseChannelConfig(rec->config, "channel_config." + name));
      ASSIGN_OR_RETURN(config.secret, secrets.Open(rec->sealed_secret, "channel:" + name));
      b.enabled = config.enabled;
      b.templates.clear();
      for (const auto& [name, t] : config.templates) b.templates.insert(name);
      b.channel.reset();
      if (config.enabled) {
        ASSIGN_OR_RETURN(b.channel, factory.Make(config));
      }
      b.updated_ms = rec->updated_ms;
    }
    if (!b.enabled || !b.paused.empty()) return nullptr;
    return b.channel.get();
  }

  // The address of a message on its channel, read now; empty when there is none.
  Result<std::string> Address(const OutreachMessageRecord& m, std::string_view channel) {
    OutreachStore& out = store.outreach();
    if (m.recipient == "committee") {
      ASSIGN_OR_RETURN(std::optional<CommitteeContactRecord> c, out.FindCommitteeContact(m.region));
      return c && channel == "sms" && IsMobile(c->phone) ? c->phone : std::string();
    }
    if (m.recipient == "contact") {
      ASSIGN_OR_RETURN(std::optional<SpecialPersonRecord> s, out.FindSpecialPerson(m.person));
      return s && channel == "sms" && IsMobile(s->contact_phone) ? s->contact_phone : std::string();
    }
    if (channel == "wechat") {
      ASSIGN_OR_RETURN(std::optional<ChannelBindingRecord> b, out.FindChannelBinding(m.person, "wechat"));
      if (!b || !b->active) return std::string();
      ASSIGN_OR_RETURN(std::string openid,
                       secrets.Open(b->sealed_address, fmt::format("binding:wechat:{}", m.person)));
      return openid;
    }
    ASSIGN_OR_RETURN(std::optional<PersonRecord> p, store.FindPerson(m.person));
    return p && IsMobile(p->phone) ? p->phone : std::string();
  }

  // Whether a reminder still stands: the person is alive and the deadline it
  // reminds of is still theirs.
  Result<bool> StillDue(const OutreachMessageRecord& m, Date today) {
    if (m.person == 0 || m.recipient == "committee") return true;
    ASSIGN_OR_RETURN(std::optional<PersonRecord> p, store.FindPerson(m.person));
    if (!p) return false;
    PersonFacts facts;
    facts.baseline_certified = p->baseline_certified;
    ASSIGN_OR_RETURN(facts.facts, store.FactsOf(m.person));
    const CertificationState cert = DeriveCertification(policy, facts, today);
    if (cert.status == CertStatus::kDeceased) return false;
    return DeadlineKey(cert) == m.deadline && ReminderStep(policy, cert, today).has_value();
  }

  ChannelMessage ToChannel(const OutreachMessageRecord& m, std::string address) const {
    return ChannelMessage{fmt::format("m{}", m.id), std::move(address), m.template_name, ParamsFromJson(m.params),
                          m.provider_ref};
  }

  int64_t Backoff(int attempts, Date today) {
    const int64_t base = int64_t{policy.outreach_retry_base_s.At(today)} * 1000;
    const int64_t cap = int64_t{policy.outreach_retry_cap_s.At(today)} * 1000;
    int64_t delay = base;
    for (int i = 1; i < attempts && delay < cap; ++i) delay *= 2;
    delay = std::min(delay, cap);
    std::uniform_int_distribution<int64_t> jitter(std::min<int64_t>(1000, delay), delay);
    return jitter(rng);
  }

  Status Attempt(const OutreachMessageRecord& m, std::string_view outcome, const SendResult* r, int64_t at) {
    OutreachAttemptRecord a;
    a.message_id = m.id;
    a.at_ms = at;
    a.channel = m.channel;
    a.outcome = std::string(outcome);
    if (r != nullptr) {
      a.http_status = r->http_status;
      a.provider_code = r->provider_code;
      a.failure = r->failure;
      a.duration_ms = r->duration_ms;
    }
    return store.outreach().AddAttempt(a);
  }

  bool Mine(const OutreachMessageRecord& m) const {
    return options.shards <= 1 || m.id % options.shards == options.shard;
  }

  // Leases that ran out: the dispatcher that held them died between claim
  // and record. The provider may or may not have the message.
  Status ExpireLeases(int64_t now, DispatchReport& report) {
    StoreGuard guard(options.store_lock);
    ASSIGN_OR_RETURN(std::vector<OutreachMessageRecord> lost,
                     store.outreach().MessagesInStatus(kMsgSending, now, options.batch));
    for (OutreachMessageRecord& m : lost) {
      if (!Mine(m)) continue;
      ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
      m.status = std::string(kMsgUnknown);
      RETURN_IF_ERROR(store.outreach().UpdateMessage(m));
      RETURN_IF_ERROR(Attempt(m, "lease_expired", nullptr, now));
      RETURN_IF_ERROR(unit->Commit());
      ++report.unknown;
    }
    return {};
  }

  // Unknown messages are looked up at the provider before anything is resent:
  // found → sent; not found → queued again; no look-up (WeChat) → left
  // unknown, never resent (the next step carries on).
  Status Reconcile(int64_t now, DispatchReport& report) {
    StoreGuard guard(options.store_lock);
    ASSIGN_OR_RETURN(std::vector<OutreachMessageRecord> unknown,
                     store.outreach().MessagesInStatus(kMsgUnknown, 0, options.batch));
    for (OutreachMessageRecord& m : unknown) {
      if (!Mine(m)) continue;
      ASSIGN_OR_RETURN(Channel* ch, ChannelFor(m.channel));
      if (ch == nullptr) continue;
      ASSIGN_OR_RETURN(std::string address, Address(m, m.channel));
      if (address.empty()) continue;
      // The claim's day: the lease began lease_ms before it ended.
      const Date day = Day(m.lease_until_ms - options.lease_ms);
      guard.Unlock();
      const LookupResult r = ch->Lookup(ToChannel(m, std::move(address)), day);
      guard.Lock();
      if (r.outcome == LookupOutcome::kUnsupported || r.outcome == LookupOutcome::kError) continue;
      ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
      if (r.outcome == LookupOutcome::kFound) {
        m.status = std::string(r.delivery == "delivered" ? kMsgDelivered : kMsgSent);
        if (r.delivery == "failed") {
          m.status = std::string(kMsgFailed);
          m.failure = "undelivered";
        }
        m.provider_ref = r.provider_ref;
        m.provider_code = r.provider_code.empty() ? "OK" : r.provider_code;
        m.sent_ms = m.lease_until_ms - options.lease_ms;
        if (m.status == kMsgDelivered) m.delivered_ms = now;
        ++report.looked_up_found;
      } else {
        // Never sent: the claim's daily slot is given back, and it goes again.
        if (m.person != 0 && m.recipient != "committee") {
          RETURN_IF_ERROR(store.outreach().ReleaseDailySlot(m.person, day.ToString()));
        }
        m.status = std::string(kMsgQueued);
        m.next_attempt_ms = now;
        ++report.looked_up_resend;
      }
      RETURN_IF_ERROR(store.outreach().UpdateMessage(m));
      OutreachAttemptRecord a;
      a.message_id = m.id;
      a.at_ms = now;
      a.channel = m.channel;
      a.outcome = r.outcome == LookupOutcome::kFound ? "lookup_found" : "lookup_not_found";
      a.provider_code = r.provider_code;
      RETURN_IF_ERROR(store.outreach().AddAttempt(a));
      RETURN_IF_ERROR(unit->Commit());
    }
    return {};
  }

  Status Finish(OutreachMessageRecord& m, std::string_view status, std::string_view failure, int64_t now,
                std::string_view attempt_outcome) {
    ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
    m.status = std::string(status);
    m.failure = std::string(failure);
    RETURN_IF_ERROR(store.outreach().UpdateMessage(m));
    RETURN_IF_ERROR(Attempt(m, attempt_outcome, nullptr, now));
    return unit->Commit();
  }

  Status SendOne(OutreachMessageRecord m, int64_t now, DispatchReport& report) {
    StoreGuard guard(options.store_lock);
    const Date today = Day(now);
    OutreachStore& out = store.outreach();
    if (now >= m.expires_ms) {
      ++report.expired;
      return Finish(m, kMsgFailed, kFailExpired, now, "expired");
    }
    ASSIGN_OR_RETURN(bool due, StillDue(m, today));
    if (!due) {
      ++report.cancelled;
      return Finish(m, kMsgCancelled, "superseded", now, "cancelled");
    }
    ASSIGN_OR_RETURN(Channel* ch, ChannelFor(m.channel));
    if (ch == nullptr) {
      ++report.waiting_channel;
      return {};
    }
    // A WeChat message that cannot go as WeChat goes by SMS when the person has a phone.
    auto fall_back = [&]() -> Result<bool> {
      if (m.channel != "wechat") return false;
      ASSIGN_OR_RETURN(std::string phone, Address(m, "sms"));
      if (phone.empty()) return false;
      ++report.fell_back;
      m.channel = "sms";
      m.next_attempt_ms = now;
      RETURN_IF_ERROR(Finish(m, kMsgQueued, "", now, "fallback_sms"));
      return true;
    };
    if (!channels[m.channel].templates.contains(m.template_name)) {
      // No approved template for it on this channel: SMS, else it waits (and
      // expires into a visit if nobody adds one).
      ASSIGN_OR_RETURN(bool moved, fall_back());
      if (!moved) ++report.waiting_channel;
      return {};
    }
    ASSIGN_OR_RETURN(std::string address, Address(m, m.channel));
    if (address.empty()) {  // a WeChat binding ended since the plan, a phone removed
      ASSIGN_OR_RETURN(bool moved, fall_back());
      if (moved) return {};
      ++report.failed;
      return Finish(m, kMsgFailed, kFailNoAddress, now, "no_address");
    }
    // Claim: the daily cap and the lease in one short unit of work.
    const std::string day = today.ToString();
    const int cap = policy.outreach_daily_cap.At(today);
    {
      ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
      if (m.person != 0 && m.recipient != "committee") {
        ASSIGN_OR_RETURN(bool slot, out.TakeDailySlot(m.person, day, cap));
        if (!slot) {
          m.next_attempt_ms = NextMorning(now);
          RETURN_IF_ERROR(out.UpdateMessage(m));
          RETURN_IF_ERROR(unit->Commit());
          ++report.deferred_cap;
          return {};
        }
      }
      ASSIGN_OR_RETURN(bool claimed, out.ClaimMessage(m.id, kMsgQueued, m.attempts, now + options.lease_ms));
      if (!claimed) return {};  // another dispatcher has it (the unit rolls back the slot)
      RETURN_IF_ERROR(unit->Commit());
    }
    ++report.claimed;
    m.status = std::string(kMsgSending);
    m.attempts += 1;
    m.lease_until_ms = now + options.lease_ms;
    if (options.hook) options.hook("claimed", m);

    guard.Unlock();
    const SendResult r = ch->Send(ToChannel(m, std::move(address)));
    if (r.outcome == SendOutcome::kAccepted && options.hook) options.hook("accepted", m);
    guard.Lock();

    const int64_t after = Now();
    ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
    m.provider_code = r.provider_code;
    auto release = [&]() -> Status {
      if (m.person != 0 && m.recipient != "committee") return out.ReleaseDailySlot(m.person, day);
      return {};
    };
    switch (r.outcome) {
      case SendOutcome::kAccepted:
        m.status = std::string(kMsgSent);
        m.provider_ref = r.provider_ref;
        m.failure.clear();
        m.sent_ms = after;
        m.lease_until_ms = 0;
        ++report.sent;
        break;
      case SendOutcome::kRetry:
        RETURN_IF_ERROR(release());
        m.lease_until_ms = 0;
        m.failure = r.failure;
        if (m.attempts >= policy.outreach_retry_max.At(today)) {
          m.status = std::string(kMsgFailed);
          ++report.failed;
        } else {
          m.status = std::string(kMsgQueued);
          m.next_attempt_ms = after + Backoff(m.attempts, today);
          ++report.retried;
        }
        break;
      case SendOutcome::kTomorrow:
        RETURN_IF_ERROR(release());
        m.status = std::string(kMsgQueued);
        m.attempts -= 1;  // the provider's limit for the address, not a failure of the message
        m.lease_until_ms = 0;
        m.failure = r.failure;
        m.next_attempt_ms = NextMorning(after);
        ++report.deferred_limit;
        break;
      case SendOutcome::kFailed: {
        RETURN_IF_ERROR(release());
        m.lease_until_ms = 0;
        m.failure = r.failure;
        bool fallback = false;
        if (m.channel == "wechat") {
          ASSIGN_OR_RETURN(std::string phone, Address(m, "sms"));
          fallback = !phone.empty();
        }
        if (fallback) {
          m.channel = "sms";
          m.status = std::string(kMsgQueued);
          m.attempts = 0;
          m.next_attempt_ms = after;
          ++report.fell_back;
        } else {
          m.status = std::string(kMsgFailed);
          ++report.failed;
        }
        break;
      }
      case SendOutcome::kChannelDown:
        RETURN_IF_ERROR(release());
        m.status = std::string(kMsgQueued);
        m.attempts -= 1;
        m.lease_until_ms = 0;
        m.next_attempt_ms = after;
        RETURN_IF_ERROR(out.SetChannelPaused(m.channel, r.provider_code.empty() ? r.failure : r.provider_code, after));
        report.paused.push_back(fmt::format("{} ({})", m.channel, r.provider_code));
        break;
      case SendOutcome::kUnknown:
        m.status = std::string(kMsgUnknown);
        m.failure = r.failure;
        ++report.unknown;
        break;
    }
    OutreachMessageRecord attempt_of = m;
    attempt_of.channel = std::string(ch->Name());
    RETURN_IF_ERROR(Attempt(attempt_of, SendOutcomeName(r.outcome), &r, after));
    RETURN_IF_ERROR(out.UpdateMessage(m));
    RETURN_IF_ERROR(unit->Commit());
    if (options.hook) options.hook("recorded", m);
    return {};
  }

  // Delivery receipts of sent SMS, looked up at the provider.
  Status PollReceipts(int64_t now, DispatchReport& report) {
    StoreGuard guard(options.store_lock);
    ASSIGN_OR_RETURN(Channel* ch, ChannelFor("sms"));
    if (ch == nullptr) return {};
    ASSIGN_OR_RETURN(std::vector<OutreachMessageRecord> sent,
                     store.outreach().AwaitingReceipt("sms", now - kReceiptWindowMs, now - options.receipt_after_ms,
                                                      options.batch));
    for (OutreachMessageRecord& m : sent) {
      if (!Mine(m)) continue;
      ASSIGN_OR_RETURN(std::string address, Address(m, "sms"));
      if (address.empty()) continue;
      guard.Unlock();
      const LookupResult r = ch->Lookup(ToChannel(m, std::move(address)), Day(m.sent_ms));
      guard.Lock();
      if (r.outcome != LookupOutcome::kFound || r.delivery == "pending") continue;
      ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
      if (r.delivery == "delivered") {
        m.status = std::string(kMsgDelivered);
        m.delivered_ms = now;
        ++report.delivered;
      } else {
        m.status = std::string(kMsgFailed);
        m.failure = "undelivered";
        m.provider_code = r.provider_code;
        ++report.undelivered;
      }
      RETURN_IF_ERROR(store.outreach().UpdateMessage(m));
      OutreachAttemptRecord a;
      a.message_id = m.id;
      a.at_ms = now;
      a.channel = "sms";
      a.outcome = r.delivery == "delivered" ? "receipt_delivered" : "receipt_failed";
      a.provider_code = r.provider_code;
      RETURN_IF_ERROR(store.outreach().AddAttempt(a));
      RETURN_IF_ERROR(unit->Commit());
    }
    return {};
  }

  Result<DispatchReport> RunOnce() {
    DispatchReport report;
    const int64_t now = Now();
    RETURN_IF_ERROR(ExpireLeases(now, report));
    RETURN_IF_ERROR(Reconcile(now, report));
    if (Quiet(now)) {
      report.quiet = true;
    } else {
      std::vector<OutreachMessageRecord> due;
      {
        StoreGuard guard(options.store_lock);
        ASSIGN_OR_RETURN(due, store.outreach().DueMessages(now, options.batch));
      }
      for (OutreachMessageRecord& m : due) {
        if (!Mine(m)) continue;
        RETURN_IF_ERROR(SendOne(std::move(m), Now(), report));
      }
    }
    RETURN_IF_ERROR(PollReceipts(Now(), report));
    return report;
  }
};

Dispatcher::Dispatcher(Store& store, const Policy& policy, const Secrets& secrets, ChannelFactory& factory,
                       DispatchOptions options)
    : impl_(std::make_unique<Impl>(store, policy, secrets, factory, std::move(options))) {}
Dispatcher::~Dispatcher() = default;

Result<DispatchReport> Dispatcher::RunOnce() { return impl_->RunOnce(); }

}  // namespace tacit
