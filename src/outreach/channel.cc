#include "tacit/channel.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace tacit {

using nlohmann::json;

std::string_view SendOutcomeName(SendOutcome o) {
  switch (o) {
    case SendOutcome::kAccepted: return "accepted";
    case SendOutcome::kRetry: return "retry";
    case SendOutcome::kTomorrow: return "tomorrow";
    case SendOutcome::kFailed: return "failed";
    case SendOutcome::kChannelDown: return "channel_down";
    case SendOutcome::kUnknown: return "unknown";
  }
  return "unknown";
}

namespace {

Result<std::string> StringField(const json& j, std::string_view origin, const char* field, bool required) {
  if (!j.contains(field)) {
    if (required) return InvalidArgument(fmt::format("{}: \"{}\" is missing (expected a string)", origin, field));
    return std::string();
  }
  if (!j[field].is_string()) return InvalidArgument(fmt::format("{}: \"{}\": expected a string", origin, field));
  return j[field].get<std::string>();
}

Result<int> IntField(const json& j, std::string_view origin, const char* field, int fallback, int lo, int hi) {
  if (!j.contains(field)) return fallback;
  if (!j[field].is_number_integer() || j[field].get<int64_t>() < lo || j[field].get<int64_t>() > hi) {
    return InvalidArgument(fmt::format("{}: \"{}\": expected a whole number from {} to {}", origin, field, lo, hi));
  }
  return j[field].get<int>();
}

}  // namespace

Result<ChannelConfig> ParseChannelConfig(std::string_view json_text, std::string_view origin) {
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgument(fmt::format("{}: expected a JSON object (渠道配置格式错误)", origin));
  }
  ChannelConfig c;
  ASSIGN_OR_RETURN(c.channel, StringField(j, origin, "channel", true));
  if (c.channel != "sms" && c.channel != "wechat") {
    return InvalidArgument(fmt::format("{}: \"channel\": expected \"sms\" or \"wechat\"", origin));
  }
  ASSIGN_OR_RETURN(c.provider, StringField(j, origin, "provider", true));
  if ((c.channel == "sms" && c.provider != "aliyun") || (c.channel == "wechat" && c.provider != "wechat")) {
    return InvalidArgument(fmt::format("{}: \"provider\": expected {} for channel {}", origin,
                                       c.channel == "sms" ? "\"aliyun\"" : "\"wechat\"", c.channel));
  }
  ASSIGN_OR_RETURN(c.endpoint, StringField(j, origin, "endpoint", true));
  if (!c.endpoint.starts_with("https://") && !c.endpoint.starts_with("http://")) {
    return InvalidArgument(fmt::format("{}: \"endpoint\": expected an https:// URL", origin));
  }
  while (c.endpoint.ends_with('/')) c.endpoint.pop_back();
  ASSIGN_OR_RETURN(c.key_id, StringField(j, origin, "key_id", true));
  if (c.key_id.empty()) return InvalidArgument(fmt::format("{}: \"key_id\": expected the AccessKeyId or appid", origin));
  ASSIGN_OR_RETURN(c.secret, StringField(j, origin, "secret", false));
  ASSIGN_OR_RETURN(c.sign_name, StringField(j, origin, "sign_name", c.channel == "sms"));
  ASSIGN_OR_RETURN(std::string region, StringField(j, origin, "region_id", false));
  if (!region.empty()) c.region_id = region;
  ASSIGN_OR_RETURN(c.ca_file, StringField(j, origin, "ca_file", false));
  ASSIGN_OR_RETURN(c.connect_timeout_ms, IntField(j, origin, "connect_timeout_ms", 3000, 100, 60000));
  ASSIGN_OR_RETURN(c.read_timeout_ms, IntField(j, origin, "read_timeout_ms", 10000, 100, 120000));
  if (j.contains("enabled")) {
    if (!j["enabled"].is_boolean()) return InvalidArgument(fmt::format("{}: \"enabled\": expected true or false", origin));
    c.enabled = j["enabled"].get<bool>();
  }
  if (!j.contains("templates") || !j["templates"].is_object() || j["templates"].empty()) {
    return InvalidArgument(fmt::format("{}: \"templates\": expected an object naming the approved template for each "
                                       "of remind_first, remind_due, ... (模板)", origin));
  }
  for (const auto& [name, t] : j["templates"].items()) {
    const std::string where = fmt::format("{}: templates.{}", origin, name);
    if (name != kTemplateRemindFirst && name != kTemplateRemindDue && name != kTemplateRemindNone &&
        name != kTemplateRemindLapsed && name != kTemplateRemindFaceFailed && name != kTemplateZeroReport &&
        name != kTemplateUnitNotice && name != kTemplateLoginCode) {
      return InvalidArgument(fmt::format("{}: unknown template (expected remind_first, remind_due, remind_none, "
                                         "remind_lapsed, remind_face_failed, committee_zero_report, unit_notice "
                                         "or login_code)",
                                         where));
    }
    ChannelTemplate tpl;
    if (t.is_string()) {
      tpl.code = t.get<std::string>();
    } else if (t.is_object()) {
      ASSIGN_OR_RETURN(tpl.code, StringField(t, where, "code", true));
      ASSIGN_OR_RETURN(tpl.url, StringField(t, where, "url", false));
      if (t.contains("fields")) {
        if (!t["fields"].is_object()) return InvalidArgument(fmt::format("{}: \"fields\": expected an object", where));
        for (const auto& [ours, theirs] : t["fields"].items()) {
          if (!theirs.is_string()) {
            return InvalidArgument(fmt::format("{}: fields.{}: expected the template's variable name", where, ours));
          }
          tpl.fields[ours] = theirs.get<std::string>();
        }
      }
    } else {
      return InvalidArgument(fmt::format("{}: expected the template code or an object with \"code\"", where));
    }
    if (tpl.code.empty()) return InvalidArgument(fmt::format("{}: the template code is empty", where));
    c.templates[name] = std::move(tpl);
  }
  return c;
}

std::string ChannelConfigToJson(const ChannelConfig& c) {
  json j = {{"channel", c.channel},       {"provider", c.provider},
            {"endpoint", c.endpoint},     {"key_id", c.key_id},
            {"region_id", c.region_id},   {"connect_timeout_ms", c.connect_timeout_ms},
            {"read_timeout_ms", c.read_timeout_ms}, {"enabled", c.enabled}};
  if (!c.sign_name.empty()) j["sign_name"] = c.sign_name;
  if (!c.ca_file.empty()) j["ca_file"] = c.ca_file;
  json t = json::object();
  for (const auto& [name, tpl] : c.templates) {
    json one = {{"code", tpl.code}};
    if (!tpl.url.empty()) one["url"] = tpl.url;
    if (!tpl.fields.empty()) one["fields"] = tpl.fields;
    t[name] = one;
  }
  j["templates"] = t;
  return j.dump();
}

}  // namespace tacit
