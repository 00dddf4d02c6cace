// Template variables, tacit's Chinese wording of each template, labels, and
// the nearest certification point.
#include <fmt/format.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "tacit/outreach.h"

namespace tacit {

using nlohmann::json;

Date BeijingDate(int64_t unix_ms) {
  const int64_t local = unix_ms + kBeijingOffsetMs;
  int64_t days = local / 86'400'000;
  if (local % 86'400'000 < 0) --days;
  return Date::FromDays(static_cast<int32_t>(days));
}

int64_t BeijingInstant(Date day, int minutes) {
  return static_cast<int64_t>(day.days()) * 86'400'000 + static_cast<int64_t>(minutes) * 60'000 - kBeijingOffsetMs;
}

Date CertificationDeadline(Month valid_through) { return valid_through.LastDay(); }

std::string CertificationDeadlineKey(const CertificationState& cert) {
  if (!cert.valid_through) return "none";
  return CertificationDeadline(*cert.valid_through).ToString();
}

bool IsMobileNumber(std::string_view phone) {
  return phone.size() == 11 && phone[0] == '1' &&
         std::all_of(phone.begin(), phone.end(), [](char c) { return c >= '0' && c <= '9'; });
}

namespace {

std::string DateZh(Date d) { return fmt::format("{}年{}月{}日", d.year(), d.month(), d.day()); }

std::string_view Param(const std::vector<std::pair<std::string, std::string>>& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return {};
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ReminderParams(std::string_view name, std::optional<Date> deadline,
                                                                std::string_view point) {
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("name", MaskName(name));
  if (deadline) out.emplace_back("deadline", DateZh(*deadline));
  out.emplace_back("point", point.empty() ? std::string("当地社保经办机构") : std::string(point));
  return out;
}

std::string RenderMessageZh(std::string_view t, const std::vector<std::pair<std::string, std::string>>& p) {
  const std::string_view name = Param(p, "name"), deadline = Param(p, "deadline"), point = Param(p, "point");
  constexpr std::string_view kWays = "请通过人社部门公众号或手机应用刷脸认证，或到{}办理；行动不便的可致电12333申请上门认证。";
  const std::string ways = fmt::format(fmt::runtime(kWays), point);
  if (t == kTemplateRemindFirst) {
    return fmt::format("{}您好，您的养老保险待遇领取资格认证将于{}到期。{}", name, deadline, ways);
  }
  if (t == kTemplateRemindDue) {
    return fmt::format("{}您好，您的养老保险待遇领取资格认证即将于{}到期，逾期未认证将暂停发放待遇。{}", name, deadline,
                       ways);
  }
  if (t == kTemplateRemindNone) {
    return fmt::format("{}您好，系统中暂无您的养老保险待遇领取资格认证信息。{}", name, ways);
  }
  if (t == kTemplateRemindLapsed) {
    return fmt::format("{}您好，您的养老保险待遇领取资格认证已于{}到期，待遇已暂停发放，认证后按规定恢复发放。{}", name,
                       deadline, ways);
  }
  if (t == kTemplateRemindFaceFailed) {
    return fmt::format("{}您好，您的人脸识别认证未通过，请携带身份证到{}办理，或致电12333预约上门认证。", name, point);
  }
  if (t == kTemplateUnitNotice) {
    return fmt::format("{}：贵单位（村、社区）有{}名养老保险待遇领取人员的资格认证即将到期或已过期，请通知本人及时认证；"
                       "名单请向社保经办机构领取。", Param(p, "unit"), Param(p, "count"));
  }
  if (t == kTemplateLoginCode) {
    return fmt::format("【社保认证】您的登录验证码是{}，5分钟内有效。请勿告诉他人。", Param(p, "code"));
  }
  if (t == kTemplateZeroReport) {
    return fmt::format("{}：{}死亡人员报告（含零报告）尚未提交，请于{}前提交。", Param(p, "committee"),
                       Param(p, "month"), Param(p, "day"));
  }
  return std::string(t);
}

std::string ParamsToJson(const std::vector<std::pair<std::string, std::string>>& params) {
  json a = json::array();
  for (const auto& [k, v] : params) a.push_back(json::array({k, v}));
  return a.dump();
}

std::vector<std::pair<std::string, std::string>> ParamsFromJson(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  json a = json::parse(text, nullptr, false);
  if (!a.is_array()) return out;
  for (const json& e : a) {
    if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
      out.emplace_back(e[0].get<std::string>(), e[1].get<std::string>());
    }
  }
  return out;
}

std::string_view MessageStatusZh(std::string_view s) {
  if (s == kMsgQueued) return "待发送";
  if (s == kMsgSending) return "发送中";
  if (s == kMsgSent) return "已发送";
  if (s == kMsgDelivered) return "已送达";
  if (s == kMsgFailed) return "发送失败";
  if (s == kMsgUnknown) return "结果待查";
  if (s == kMsgCancelled) return "已取消";
  return s;
}

std::string_view ChannelNameZh(std::string_view c) {
  if (c == "sms") return "短信";
  if (c == "wechat") return "微信";
  return c;
}

std::string_view FailureZh(std::string_view f) {
  if (f == kFailBadNumber) return "号码或账号无效";
  if (f == kFailRateLimited) return "超出发送频率限制";
  if (f == kFailNotFollowing) return "未关注公众号";
  if (f == kFailUnsubscribed) return "已拒收";
  if (f == kFailTemplate) return "模板或签名未通过审核";
  if (f == kFailAuth) return "渠道账号或密钥错误";
  if (f == kFailBalance) return "渠道余额不足";
  if (f == kFailContent) return "内容不符合要求";
  if (f == kFailTimeout) return "超时";
  if (f == kFailSystem) return "渠道系统错误";
  if (f == kFailExpired) return "超过有效期未发出";
  if (f == kFailNoAddress) return "无手机号或绑定账号";
  if (f == "undelivered") return "未送达";
  return f;
}

std::string_view VisitOutcomeZh(std::string_view o) {
  if (o == "certified") return "本人认证";
  if (o == "died") return "已死亡";
  if (o == "moved") return "已迁出";
  if (o == "not_found") return "查无此人";
  return o;
}

std::string_view VisitReasonZh(std::string_view r) {
  if (r == "special") return "特殊人员";
  if (r == "no_channel") return "无法联系";
  if (r == "reminders_failed") return "提醒未送达";
  if (r == "face_failures") return "人脸认证多次未通过";
  if (r == "requested") return "本人申请";
  return r;
}

std::string_view VisitStatusZh(std::string_view s) {
  if (s == kVisitOpen) return "待分派";
  if (s == kVisitAssigned) return "已分派";
  if (s == kVisitDone) return "已完成";
  if (s == kVisitCancelled) return "已取消";
  return s;
}

std::string_view SpecialReasonZh(std::string_view r) {
  if (r == "limited_mobility") return "行动不便";
  if (r == "bedridden") return "长期卧床";
  if (r == "no_phone") return "无手机";
  if (r == "cognitive") return "认知障碍";
  return r;
}

const CertPointRecord* NearestPoint(const std::vector<CertPointRecord>& points, std::string_view region) {
  if (region.size() < 6) return nullptr;
  const std::string_view county = region.substr(0, 6);
  const CertPointRecord* best = nullptr;
  size_t best_shared = 0;
  for (const CertPointRecord& p : points) {
    if (!p.active || !std::string_view(p.region).starts_with(county)) continue;
    size_t shared = 0;
    while (shared < p.region.size() && shared < region.size() && p.region[shared] == region[shared]) ++shared;
    if (best == nullptr || shared > best_shared) {
      best = &p;
      best_shared = shared;
    }
  }
  return best;
}

}  // namespace tacit
