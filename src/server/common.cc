#include <fmt/format.h>

#include <charconv>

#include "server/routes.h"

namespace tacit::server {

Reply Reply::Json(const json& j, int status) {
  Reply r;
  r.status = status;
  // Replacement characters rather than an exception for invalid UTF-8 from
  // stored data: a reply is always produced.
  r.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

int HttpStatus(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists: return 409;
    case ErrorCode::kFailedPrecondition: return 409;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kDataLoss: return 500;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

json ErrorBody(const HttpError& e) {
  json err = {{"code", e.code_name.empty() ? std::string(ErrorCodeName(e.code)) : e.code_name},
              {"message", e.code == ErrorCode::kInternal ? std::string("服务器内部错误 (internal error)") : e.message}};
  if (!e.field.empty()) err["field"] = e.field;
  return json{{"error", err}};
}

HttpResult<const json*> Context::Body() {
  if (!body_) {
    // A form of another site can post text/plain with the browser's cookies;
    // only a script of the same origin can send application/json.
    if (req.get_header_value("Content-Type").rfind("application/json", 0) != 0) {
      HttpError e(ErrorCode::kInvalidArgument, "请求体应为 application/json (send Content-Type: application/json)");
      e.status = 415;
      e.code_name = "unsupported_media_type";
      return tl::unexpected(e);
    }
    json parsed;
    try {
      parsed = json::parse(req.body);
    } catch (const json::parse_error& e) {
      return BadField("", fmt::format("请求体不是有效的 JSON (the body is not valid JSON at byte {})", e.byte));
    } catch (const json::exception&) {
      // json::parse also throws out_of_range for a number beyond a double
      // (1e999): the client's mistake, not a 500. Found by fuzz_api_bodies.
      return BadField("", "请求体中的数超出范围 (a number in the body is out of range)");
    }
    if (!parsed.is_object()) return BadField("", "请求体应为 JSON 对象 (the body must be a JSON object)");
    body_ = std::move(parsed);
  }
  return &*body_;
}

std::string Context::Query(const std::string& name) const {
  return req.has_param(name) ? req.get_param_value(name) : std::string();
}

Status Context::Audit(std::string action, std::string target, std::string detail, std::string outcome) {
  return AppendAudit(store, {principal.Actor(), std::move(action), std::move(target), std::move(detail),
                             std::move(outcome)},
                     svc.NowMs());
}

HttpResult<std::optional<std::string>> OptionalString(const json& body, const std::string& field, size_t max_length) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return BadField(field, fmt::format("{} 应为字符串 (expected a string)", field));
  const std::string& s = it->get_ref<const std::string&>();
  if (s.size() > max_length) {
    return BadField(field, fmt::format("{} 过长 (at most {} bytes)", field, max_length));
  }
  return std::optional<std::string>(s);
}

HttpResult<std::string> RequiredString(const json& body, const std::string& field, size_t max_length) {
  auto s = OptionalString(body, field, max_length);
  if (!s) return tl::unexpected(s.error());
  if (!*s || (*s)->empty()) return BadField(field, fmt::format("缺少 {} (required)", field));
  return **s;
}

HttpResult<int64_t> IntQuery(const Context& ctx, const std::string& name, int64_t fallback, int64_t lo, int64_t hi) {
  std::string text = ctx.Query(name);
  if (text.empty()) return fallback;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi) {
    return BadField(name, name + " 超出范围 (out of range)");
  }
  return v;
}

HttpResult<Month> MonthText(const std::string& text, const std::string& field) {
  auto m = ParseMonth(text);
  if (!m) return BadField(field, fmt::format("{} 应为 YYYY-MM (expected YYYY-MM)", field));
  return *m;
}

HttpResult<Date> DateField(const json& body, const std::string& field, Date fallback) {
  ASSIGN_OR_RETURN(std::optional<std::string> text, OptionalString(body, field, 32));
  if (!text) return fallback;
  auto d = ParseDate(*text);
  if (!d) return BadField(field, fmt::format("{} 应为 YYYY-MM-DD (expected YYYY-MM-DD)", field));
  return *d;
}

HttpResult<Date> PastDateField(const Context& ctx, const json& body, const std::string& field) {
  const Date today = TodayOf(ctx);
  ASSIGN_OR_RETURN(Date d, DateField(body, field, today));
  if (d > today) return BadField(field, fmt::format("{} 不能晚于今天 (cannot be in the future)", field));
  return d;
}

HttpResult<int64_t> OptionalInt(const json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return int64_t{0};
  if (!it->is_number_integer()) return BadField(field, fmt::format("{} 应为整数 (expected an integer)", field));
  return it->get<int64_t>();
}

HttpResult<int64_t> PathId(Context& ctx, const std::string& name, const HttpError& not_found) {
  const std::string& text = ctx.params[name];
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v <= 0) return tl::unexpected(not_found);
  return v;
}

HttpResult<std::string> StatusQuery(const Context& ctx, std::string_view fallback,
                                    std::initializer_list<std::string_view> allowed) {
  std::string status = ctx.Query("status");
  if (status.empty()) status = fallback;
  for (std::string_view a : allowed) {
    if (status == a) return status;
  }
  std::string names;
  for (std::string_view a : allowed) names += (names.empty() ? "" : ", ") + std::string(a);
  return BadField("status", fmt::format("status 应为 {} 之一 (one of {})", names, names));
}

HttpResult<Date> DateQuery(const Context& ctx, const std::string& name, Date fallback) {
  const std::string text = ctx.Query(name);
  if (text.empty()) return fallback;
  auto d = ParseDate(text);
  if (!d) return BadField(name, fmt::format("{} 应为 YYYY-MM-DD (expected YYYY-MM-DD)", name));
  return *d;
}

HttpResult<std::string> RegionQuery(const Context& ctx) { return RegionQuery(ctx, ctx.principal.region); }

HttpResult<std::string> RegionQuery(const Context& ctx, const std::string& scope) {
  std::string region = ctx.Query("region");
  if (region.empty()) return scope;
  if (!region.starts_with(scope)) {
    return tl::unexpected(HttpError(ErrorCode::kPermissionDenied,
                                    "该区划不在您的管辖范围内 (the region is outside your scope)", "region"));
  }
  return region;
}

HttpError WithField(const Error& e, std::initializer_list<std::pair<std::string_view, std::string_view>> prefixes) {
  HttpError h(e);
  for (const auto& [prefix, field] : prefixes) {
    if (e.message.starts_with(prefix)) {
      h.field = std::string(field);
      break;
    }
  }
  return h;
}

json NullIfEmpty(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

std::string MaskedIdOf(PersonKey key) { return MaskIdNumber(IdNumber::FromKey(key).text()); }

Date TodayOf(const Context& ctx) { return Date::FromDays(static_cast<int32_t>(ctx.svc.NowMs() / 86'400'000)); }

Result<std::vector<std::string>> RegionsOf(Store& store, const PersonRecord& p) {
  std::vector<std::string> regions = {p.region_code};
  ASSIGN_OR_RETURN(std::vector<EntitlementRecord> ents, store.EntitlementsOf(p.key));
  for (const EntitlementRecord& e : ents) regions.push_back(e.terms.paying_region);
  return regions;
}

HttpResult<PersonRecord> ScopedPerson(Context& ctx, PersonKey key, Action action, const HttpError& not_found) {
  ASSIGN_OR_RETURN(std::optional<PersonRecord> p, ctx.store.FindPerson(key));
  if (!p) return tl::unexpected(not_found);
  ASSIGN_OR_RETURN(std::vector<std::string> regions, RegionsOf(ctx.store, *p));
  if (auto ok = Authorise(ctx.principal, action, regions); !ok) {
    if (!RoleMay(ctx.principal.role, action)) return tl::unexpected(ok.error());
    // The role may, the region may not: to the caller it looks like nothing
    // is there, but an attempt to change someone or see their full record
    // outside one's region is kept in the trail.
    if (ctx.req.method != "GET" || action == Action::kPersonReveal || action == Action::kPayrollRead) {
      RETURN_IF_ERROR(ctx.Audit(std::string(ActionName(action)), "person " + MaskIdNumber(p->id_number), "",
                                "denied: outside region"));
    }
    return tl::unexpected(not_found);
  }
  return *p;
}

HttpResult<PersonRecord> TargetPerson(Context& ctx, Action action) {
  const HttpError not_found(ErrorCode::kNotFound, "没有该人员 (no such person)", "handle");
  auto key = ctx.svc.secrets.PersonFromHandle(ctx.params["handle"]);
  if (!key) return tl::unexpected(not_found);
  return ScopedPerson(ctx, *key, action, not_found);
}

HttpResult<PersonFilter> PersonFilter::FromQuery(Context& ctx, Action action, bool by_residence) {
  PersonFilter f(ctx, action);
  // The principal's own scope is applied per person below (residence or a
  // paying region); `region` narrows to a residence prefix inside it.
  if (by_residence && !ctx.Query("region").empty()) {
    ASSIGN_OR_RETURN(f.region_, RegionQuery(ctx));
    if (f.region_.find_first_not_of("0123456789") != std::string::npos) {
      return BadField("region", "region 应为区划代码 (expected a region code of digits)");
    }
  }
  for (auto [name, out] : {std::pair{"age_min", &f.age_min_}, std::pair{"age_max", &f.age_max_}}) {
    if (ctx.Query(name).empty()) continue;
    ASSIGN_OR_RETURN(int64_t years, IntQuery(ctx, name, 0, 0, 150));
    *out = years;
  }
  f.today_ = TodayOf(ctx);
  return f;
}

Result<bool> PersonFilter::Allows(PersonKey key) {
  auto it = seen_.find(key);
  if (it != seen_.end()) return it->second;
  ASSIGN_OR_RETURN(std::optional<PersonRecord> p, ctx_->store.FindPerson(key));
  bool allowed = p.has_value();
  if (allowed && !ctx_->principal.region.empty()) {
    ASSIGN_OR_RETURN(std::vector<std::string> regions, RegionsOf(ctx_->store, *p));
    allowed = Authorise(ctx_->principal, action_, regions).has_value();
  }
  if (allowed && !region_.empty()) allowed = p->region_code.starts_with(region_);
  if (allowed && (age_min_ || age_max_)) {
    int64_t age = today_.year() - p->birth_date.year();
    if (std::pair(today_.month(), today_.day()) < std::pair(p->birth_date.month(), p->birth_date.day())) --age;
    allowed = (!age_min_ || age >= *age_min_) && (!age_max_ || age <= *age_max_);
  }
  seen_.emplace(key, allowed);
  return allowed;
}

std::vector<Route> AllRoutes() {
  std::vector<Route> routes;
  AddSessionRoutes(routes);
  AddPersonRoutes(routes);
  AddAuditRoutes(routes);
  AddOpsRoutes(routes);
  AddAttestationRoutes(routes);
  AddFeedRoutes(routes);
  AddFaceRoutes(routes);
  AddOutreachRoutes(routes);
  AddDashboardRoutes(routes);
  AddReportRoutes(routes);
  AddCitizenRoutes(routes);
  return routes;
}

}  // namespace tacit::server
