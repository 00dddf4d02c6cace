// The dispatcher: claim (short unit of work), send (no transaction open),
// record (one unit of work). See tacit/outreach.h and docs/outreach.md.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <random>
#include <thread>
#include <chrono>
#include <set>

#include "tacit/outreach.h"

namespace tacit {

namespace {

constexpr int64_t kDayMs = 86'400'000;
// Sent SMS are looked up for a receipt every kReceiptPollMs for this long;
// after it they stay "sent".
constexpr int64_t kReceiptWindowMs = 3 * kDayMs;
constexpr int64_t kReceiptPollMs = 10 * 60'000;
// A message waiting for a channel, an approved template or a look-up is looked
// at again after this.
constexpr int64_t kWaitMs = 10 * 60'000;
// next_attempt_ms of a message nothing more is done with.
constexpr int64_t kNever = std::numeric_limits<int64_t>::max() / 2;

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
      // A send may take four calls (WeChat: token, send, refreshed token,
      // send again); a lease shorter than that could expire while it runs and
      // let another dispatcher look the message up too early.
      const int64_t longest = 4 * int64_t{config.connect_timeout_ms + config.read_timeout_ms};
      if (options.lease_ms < longest) {
        return FailedPrecondition(fmt::format(
            "渠道 {} 的超时 ({} ms) 长于租约 (the lease of {} ms is shorter than four calls of the channel's timeouts, "
            "{} ms: give --lease at least {} s)", name, longest, options.lease_ms, longest, (longest + 999) / 1000));
      }
      b.enabled = config.enabled;
      b.templates.clear();
      for (const auto& [template_name, t] : config.templates) b.templates.insert(template_name);
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
      return c && channel == "sms" && IsMobileNumber(c->phone) ? c->phone : std::string();
    }
    if (m.recipient.starts_with("employer:")) {
      ASSIGN_OR_RETURN(std::optional<EmployerRecord> e, out.FindEmployer(std::string_view(m.recipient).substr(9)));
      return e && channel == "sms" && IsMobileNumber(e->contact_phone) ? e->contact_phone : std::string();
    }
    if (m.recipient == "contact") {
      ASSIGN_OR_RETURN(std::optional<SpecialPersonRecord> s, out.FindSpecialPerson(m.person));
      return s && channel == "sms" && IsMobileNumber(s->contact_phone) ? s->contact_phone : std::string();
    }
    if (channel == "wechat") {
      ASSIGN_OR_RETURN(std::optional<ChannelBindingRecord> b, out.FindChannelBinding(m.person, "wechat"));
      if (!b || !b->active) return std::string();
      auto openid = secrets.Open(b->sealed_address, fmt::format("binding:wechat:{}", m.person));
      if (!openid) {
        // Sealed under another key (a store restored elsewhere) or damaged:
        // no usable binding, so the message falls back or fails; the queue goes on.
        spdlog::warn("outreach: message {}: the WeChat binding cannot be opened ({})", m.id,
                     ErrorCodeName(openid.error().code));
        return std::string();
      }
      return *openid;
    }
    ASSIGN_OR_RETURN(std::optional<PersonRecord> p, store.FindPerson(m.person));
    return p && IsMobileNumber(p->phone) ? p->phone : std::string();
  }

  // Whether a message still stands: a reminder while its person is alive, its
  // deadline still theirs and a reminder step in force; a committee reminder
  // while the committee has not reported.
  Result<bool> StillDue(const OutreachMessageRecord& m, Date today) {
    if (m.reason == "unit_notice") return true;  // this month's count, sent within its lifetime
    if (m.recipient == "committee") {
      auto month = ParseMonth(m.deadline);
      if (!month) return false;
      ASSIGN_OR_RETURN(std::vector<DeathReturnRecord> returns, store.outreach().DeathReturns(*month, m.region));
      return std::none_of(returns.begin(), returns.end(),
                          [&](const DeathReturnRecord& r) { return r.committee == m.region; });
    }
    if (m.person == 0) return true;
    ASSIGN_OR_RETURN(std::optional<PersonRecord> p, store.FindPerson(m.person));
    if (!p) return false;
    PersonFacts facts;
    facts.baseline_certified = p->baseline_certified;
    ASSIGN_OR_RETURN(facts.facts, store.FactsOf(m.person));
    const CertificationState cert = DeriveCertification(policy, facts, today);
    if (cert.status == CertStatus::kDeceased || CertificationDeadlineKey(cert) != m.deadline) return false;
    // Still due by some step (which step is the plan's business: it cancels a
    // reminder a later step overtook).
    return ReminderStep(policy, cert, today).has_value();
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

  Status Attempt(const OutreachMessageRecord& m, std::string_view outcome, const SendResult* r, int64_t at,
                 std::string_view channel = {}) {
    OutreachAttemptRecord a;
    a.message_id = m.id;
    a.person = m.person;
    a.at_ms = at;
    a.channel = channel.empty() ? m.channel : std::string(channel);
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

  bool HoldsSlot(const OutreachMessageRecord& m) const { return m.person != 0 && m.recipient != "committee"; }

  // Writes `m` in a unit of its own with an attempt row, when it is still as
  // `before`; false (nothing written) when someone changed it meanwhile.
  // An empty `outcome` writes no attempt row (a message looked at again later:
  // one row every ten minutes would grow the table without end).
  Result<bool> Move(OutreachMessageRecord& m, const OutreachMessageRecord& before, std::string_view outcome,
                    int64_t now, const std::function<Status()>& also = {}) {
    ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
    ASSIGN_OR_RETURN(bool moved, store.outreach().TransitionMessage(m, before.status, before.lease_until_ms,
                                                                     before.attempts));
    if (!moved) return false;
    if (also) RETURN_IF_ERROR(also());
    if (!outcome.empty()) RETURN_IF_ERROR(Attempt(m, outcome, nullptr, now));
    RETURN_IF_ERROR(unit->Commit());
    return true;
  }

  // When the next receipt look-up of a message just sent is due.
  int64_t ReceiptAt(const OutreachMessageRecord& m, int64_t after) const {
    return m.channel == "sms" ? after + options.receipt_after_ms : kNever;
  }

  // Leases that ran out: the dispatcher that held them died between claim
  // and record. The provider may or may not have the message: it is looked
  // up once the answer has had time to settle.
  Status ExpireLeases(int64_t now, DispatchReport& report) {
    StoreGuard guard(options.store_lock);
    ASSIGN_OR_RETURN(std::vector<OutreachMessageRecord> lost,
                     store.outreach().MessagesInStatus(kMsgSending, now, 0, options.batch));
    for (OutreachMessageRecord& m : lost) {
      if (!Mine(m)) continue;
      const OutreachMessageRecord before = m;
      m.status = std::string(kMsgUnknown);
      m.next_attempt_ms = std::max(now, m.claimed_ms + options.settle_ms);
      ASSIGN_OR_RETURN(bool moved, Move(m, before, "lease_expired", now));
      if (moved) ++report.unknown;
    }
    return {};
  }

  // Unknown SMS are looked up at the provider before anything is resent:
  // found → sent; not found → queued again (the claim's daily slot given
  // back). WeChat has no look-up: an unknown WeChat message is never resent.
  Status Reconcile(int64_t now, DispatchReport& report) {
    StoreGuard guard(options.store_lock);
    ASSIGN_OR_RETURN(std::vector<OutreachMessageRecord> unknown,
                     store.outreach().DueMessages(kMsgUnknown, "sms", now, options.batch));
    for (OutreachMessageRecord& m : unknown) {
      if (!Mine(m)) continue;
      const OutreachMessageRecord before = m;
      ASSIGN_OR_RETURN(Channel* ch, ChannelFor(m.channel));
      ASSIGN_OR_RETURN(std::string address, Address(m, m.channel));
      if (ch == nullptr || address.empty()) {
        m.next_attempt_ms = now + kWaitMs;
        RETURN_IF_ERROR(Move(m, before, "", now));
        continue;
      }
      // The provider dates a message by the day it was sent: the claim's day,
      // or the next when the claim's lease crossed midnight.
      const Date day = Day(m.claimed_ms);
      const ChannelMessage message = ToChannel(m, std::move(address));
      guard.Unlock();
      LookupResult r = ch->Lookup(message, day);
      if (r.outcome == LookupOutcome::kNotFound && Day(m.claimed_ms + options.lease_ms) != day) {
        r = ch->Lookup(message, day + 1);
      }
      guard.Lock();
      if (r.outcome == LookupOutcome::kUnsupported || r.outcome == LookupOutcome::kError) {
        m.next_attempt_ms = now + kWaitMs;
        RETURN_IF_ERROR(Move(m, before, "lookup_error", now));
        continue;
      }
      std::function<Status()> release;
      if (r.outcome == LookupOutcome::kFound) {
        m.status = std::string(r.delivery == "delivered" ? kMsgDelivered : kMsgSent);
        if (r.delivery == "failed") {
          m.status = std::string(kMsgFailed);
          m.failure = "undelivered";
        }
        if (!r.provider_ref.empty()) m.provider_ref = r.provider_ref;
        m.provider_code = r.provider_code.empty() ? "OK" : r.provider_code;
        m.sent_ms = m.claimed_ms;
        m.next_attempt_ms = m.status == kMsgSent ? ReceiptAt(m, now) : kNever;
        if (m.status == kMsgDelivered) m.delivered_ms = now;
      } else {
        // Never sent: the claim's daily slot is given back, and it goes again.
        m.status = std::string(kMsgQueued);
        m.next_attempt_ms = now;
        if (HoldsSlot(m)) {
          release = [&] { return store.outreach().ReleaseDailySlot(m.person, day.ToString()); };
        }
      }
      ASSIGN_OR_RETURN(bool moved, Move(m, before,
                                        r.outcome == LookupOutcome::kFound ? "lookup_found" : "lookup_not_found",
                                        now, release));
      if (!moved) continue;
      if (r.outcome == LookupOutcome::kFound) {
        ++report.looked_up_found;
      } else {
        ++report.looked_up_resend;
      }
    }
    return {};
  }

  Status SendOne(OutreachMessageRecord m, int64_t now, DispatchReport& report) {
    StoreGuard guard(options.store_lock);
    const Date today = Day(now);
    OutreachStore& out = store.outreach();
    const OutreachMessageRecord before = m;
    if (now >= m.expires_ms) {
      m.status = std::string(kMsgFailed);
      m.failure = std::string(kFailExpired);
      ASSIGN_OR_RETURN(bool moved, Move(m, before, "expired", now));
      if (moved) ++report.expired;
      return {};
    }
    ASSIGN_OR_RETURN(bool due, StillDue(m, today));
    if (!due) {
      m.status = std::string(kMsgCancelled);
      m.failure = "superseded";
      ASSIGN_OR_RETURN(bool moved, Move(m, before, "cancelled", now));
      if (moved) ++report.cancelled;
      return {};
    }
    // A WeChat message that cannot go as WeChat goes by SMS when the person has a phone.
    auto fall_back = [&]() -> Result<bool> {
      if (m.channel != "wechat") return false;
      ASSIGN_OR_RETURN(std::string phone, Address(m, "sms"));
      if (phone.empty()) return false;
      m.channel = "sms";
      m.next_attempt_ms = now;
      ASSIGN_OR_RETURN(bool moved, Move(m, before, "fallback_sms", now));
      if (moved) ++report.fell_back;
      return true;
    };
    // Waiting (no channel, no approved template, no address yet): looked at
    // again later, so that it never holds the head of the queue.
    auto wait = [&]() -> Status {
      m.next_attempt_ms = now + kWaitMs;
      ++report.waiting_channel;
      return Move(m, before, "", now).map([](bool) {});
    };
    ASSIGN_OR_RETURN(Channel* ch, ChannelFor(m.channel));
    if (ch == nullptr) {
      ASSIGN_OR_RETURN(bool moved, fall_back());
      return moved ? Status{} : wait();
    }
    if (!channels[m.channel].templates.contains(m.template_name)) {
      ASSIGN_OR_RETURN(bool moved, fall_back());
      return moved ? Status{} : wait();
    }
    ASSIGN_OR_RETURN(std::string address, Address(m, m.channel));
    if (address.empty()) {  // a WeChat binding ended since the plan, a phone removed
      ASSIGN_OR_RETURN(bool moved, fall_back());
      if (moved) return {};
      m.status = std::string(kMsgFailed);
      m.failure = std::string(kFailNoAddress);
      ASSIGN_OR_RETURN(bool failed, Move(m, before, "no_address", now));
      if (failed) ++report.failed;
      return {};
    }
    // Claim: the daily cap and the lease in one short unit of work.
    const std::string day = today.ToString();
    const int cap = policy.outreach_daily_cap.At(today);
    {
      ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
      if (HoldsSlot(m)) {
        ASSIGN_OR_RETURN(bool slot, out.TakeDailySlot(m.person, day, cap));
        if (!slot) {
          m.next_attempt_ms = NextMorning(now);
          ASSIGN_OR_RETURN(bool moved, out.TransitionMessage(m, before.status, before.lease_until_ms,
                                                              before.attempts));
          if (!moved) return {};
          RETURN_IF_ERROR(unit->Commit());
          ++report.deferred_cap;
          return {};
        }
      }
      ASSIGN_OR_RETURN(bool claimed, out.ClaimMessage(m.id, kMsgQueued, m.attempts, now, now + options.lease_ms));
      if (!claimed) return {};  // another dispatcher has it (the unit rolls back the slot)
      RETURN_IF_ERROR(unit->Commit());
    }
    ++report.claimed;
    m.status = std::string(kMsgSending);
    m.attempts += 1;
    m.claimed_ms = now;
    m.lease_until_ms = now + options.lease_ms;
    const OutreachMessageRecord claimed = m;
    if (options.hook) options.hook("claimed", m);

    guard.Unlock();
    const SendResult r = ch->Send(ToChannel(m, std::move(address)));
    if (r.outcome == SendOutcome::kAccepted && options.hook) options.hook("accepted", m);
    guard.Lock();

    const int64_t after = Now();
    const std::string sent_on = std::string(ch->Name());
    m.provider_code = r.provider_code;
    m.lease_until_ms = 0;
    bool release = false;
    switch (r.outcome) {
      case SendOutcome::kAccepted:
        m.status = std::string(kMsgSent);
        m.provider_ref = r.provider_ref;
        m.failure.clear();
        m.sent_ms = after;
        m.next_attempt_ms = ReceiptAt(m, after);
        break;
      case SendOutcome::kRetry:
        release = true;
        m.failure = r.failure;
        if (m.attempts >= policy.outreach_retry_max.At(today)) {
          m.status = std::string(kMsgFailed);
        } else {
          m.status = std::string(kMsgQueued);
          m.next_attempt_ms = after + Backoff(m.attempts, today);
        }
        break;
      case SendOutcome::kTomorrow:
        release = true;
        m.status = std::string(kMsgQueued);
        m.attempts -= 1;  // the provider's limit for the address, not a failure of the message
        m.failure = r.failure;
        m.next_attempt_ms = NextMorning(after);
        break;
      case SendOutcome::kFailed: {
        release = true;
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
        } else {
          m.status = std::string(kMsgFailed);
        }
        break;
      }
      case SendOutcome::kChannelDown:
        release = true;
        m.status = std::string(kMsgQueued);
        m.attempts -= 1;
        m.next_attempt_ms = after;
        break;
      case SendOutcome::kUnknown:
        m.status = std::string(kMsgUnknown);
        m.failure = r.failure;
        m.lease_until_ms = claimed.lease_until_ms;
        // Looked up (SMS) once the provider's answer has had time to settle.
        m.next_attempt_ms = after + options.settle_ms;
        break;
    }
    // The answer is known: it is recorded even if the store is busy for a
    // while (a monthly run holding the write lock), retrying while the lease
    // holds. Recorded only if this claim still stands: from sending, or from
    // unknown with the same lease and attempts (the lease ran out and nobody
    // has looked it up yet); otherwise another dispatcher took the message
    // over and only the attempt row is added.
    auto record = [&]() -> Result<bool> {
      ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
      RETURN_IF_ERROR(Attempt(m, SendOutcomeName(r.outcome), &r, after, sent_on));
      ASSIGN_OR_RETURN(bool moved, out.TransitionMessage(m, kMsgSending, claimed.lease_until_ms, claimed.attempts));
      if (!moved) {
        ASSIGN_OR_RETURN(moved, out.TransitionMessage(m, kMsgUnknown, claimed.lease_until_ms, claimed.attempts));
      }
      if (moved) {
        if (release && HoldsSlot(m)) RETURN_IF_ERROR(out.ReleaseDailySlot(m.person, day));
        if (r.outcome == SendOutcome::kChannelDown) {
          RETURN_IF_ERROR(out.SetChannelPaused(sent_on, r.provider_code.empty() ? r.failure : r.provider_code, after));
        }
      }
      RETURN_IF_ERROR(unit->Commit());
      return moved;
    };
    Result<bool> recorded = record();
    while (!recorded && recorded.error().code == ErrorCode::kUnavailable && Now() < claimed.lease_until_ms) {
      guard.Unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      guard.Lock();
      recorded = record();
    }
    RETURN_IF_ERROR(recorded);
    const bool moved = *recorded;
    if (moved && r.outcome == SendOutcome::kChannelDown) {
      report.paused.push_back(fmt::format("{} ({})", sent_on, r.provider_code));
    }
    if (moved) {
      switch (r.outcome) {
        case SendOutcome::kAccepted: ++report.sent; break;
        case SendOutcome::kRetry: (m.status == kMsgFailed ? report.failed : report.retried) += 1; break;
        case SendOutcome::kTomorrow: ++report.deferred_limit; break;
        case SendOutcome::kFailed: (m.status == kMsgFailed ? report.failed : report.fell_back) += 1; break;
        case SendOutcome::kChannelDown: break;
        case SendOutcome::kUnknown: ++report.unknown; break;
      }
    }
    if (options.hook) options.hook("recorded", m);
    return {};
  }

  // Delivery receipts of sent SMS, looked up at the provider every
  // kReceiptPollMs for kReceiptWindowMs after sending.
  Status PollReceipts(int64_t now, DispatchReport& report) {
    StoreGuard guard(options.store_lock);
    ASSIGN_OR_RETURN(Channel* ch, ChannelFor("sms"));
    if (ch == nullptr) return {};
    ASSIGN_OR_RETURN(std::vector<OutreachMessageRecord> sent,
                     store.outreach().DueMessages(kMsgSent, "sms", now, options.batch));
    for (OutreachMessageRecord& m : sent) {
      if (!Mine(m)) continue;
      const OutreachMessageRecord before = m;
      ASSIGN_OR_RETURN(std::string address, Address(m, "sms"));
      if (address.empty() || m.sent_ms < now - kReceiptWindowMs) {
        m.next_attempt_ms = kNever;  // no receipt will come: it stays "sent"
        RETURN_IF_ERROR(Move(m, before, "receipt_given_up", now));
        continue;
      }
      const ChannelMessage message = ToChannel(m, std::move(address));
      guard.Unlock();
      const LookupResult r = ch->Lookup(message, Day(m.claimed_ms != 0 ? m.claimed_ms : m.sent_ms));
      guard.Lock();
      if (r.outcome != LookupOutcome::kFound || r.delivery == "pending") {
        m.next_attempt_ms = now + kReceiptPollMs;
        ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, store.Begin());
        RETURN_IF_ERROR(store.outreach().TransitionMessage(m, before.status, before.lease_until_ms, before.attempts));
        RETURN_IF_ERROR(unit->Commit());
        continue;
      }
      if (r.delivery == "delivered") {
        m.status = std::string(kMsgDelivered);
        m.delivered_ms = now;
      } else {
        m.status = std::string(kMsgFailed);
        m.failure = "undelivered";
        m.provider_code = r.provider_code;
      }
      m.next_attempt_ms = kNever;
      ASSIGN_OR_RETURN(bool moved, Move(m, before, r.delivery == "delivered" ? "receipt_delivered" : "receipt_failed",
                                        now));
      if (moved) (r.delivery == "delivered" ? report.delivered : report.undelivered) += 1;
    }
    return {};
  }

  Result<DispatchReport> RunOnce() {
    DispatchReport report;
    const int64_t now = Now();
    RETURN_IF_ERROR(ExpireLeases(now, report));
    RETURN_IF_ERROR(Reconcile(now, report));
    std::vector<OutreachMessageRecord> due;
    {
      StoreGuard guard(options.store_lock);
      ASSIGN_OR_RETURN(due, store.outreach().DueMessages(kMsgQueued, "", now, options.batch));
    }
    for (OutreachMessageRecord& m : due) {
      if (!Mine(m)) continue;
      const int64_t at = Now();
      if (Quiet(at)) {  // checked before each message: a pass may run into the quiet hours
        report.quiet = true;
        break;
      }
      RETURN_IF_ERROR(SendOne(std::move(m), at, report));
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
