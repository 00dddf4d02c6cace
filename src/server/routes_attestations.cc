// Attestations: signed certification results from external systems (another
// city's platform, a biometric service, a bank's terminals). The dispatcher
// verifies the signature over the raw body before this handler runs; the
// rules are tacit/attestation.h's.
#include <fmt/format.h>

#include "server/routes.h"
#include "tacit/attestation.h"

namespace tacit::server {
namespace {

HttpResult<std::optional<double>> OptionalScore(const json& body, const std::string& field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<double>();
  if (!it->is_number()) return BadField(field, fmt::format("{} 应为 0 到 1 之间的数 (expected a number)", field));
  return std::optional<double>(it->get<double>());
}

// How a refusal is answered: status, error code and name.
HttpError RefusalError(const AttestationOutcome& o) {
  HttpError e(ErrorCode::kInvalidArgument, o.message, o.field);
  switch (o.refusal) {
    case AttestationRefusal::kMethodNotRegistered:
      e.code = ErrorCode::kPermissionDenied;
      e.code_name = "method_not_registered";
      break;
    case AttestationRefusal::kBelowThreshold:
      e.status = 422;
      e.code_name = "below_threshold";
      break;
    case AttestationRefusal::kUnknownPerson:
      e.code = ErrorCode::kNotFound;
      break;
    case AttestationRefusal::kRefReused:
      e.code = ErrorCode::kAlreadyExists;
      e.code_name = "ref_reused";
      break;
    case AttestationRefusal::kInvalidField:
    case AttestationRefusal::kNone:
      break;
  }
  return e;
}

HttpResult<Reply> Submit(Context& ctx) {
  ASSIGN_OR_RETURN(const json* body, ctx.Body());
  Attestation a;
  ASSIGN_OR_RETURN(a.id_number, RequiredString(*body, "id_number", 64));
  ASSIGN_OR_RETURN(a.method, RequiredString(*body, "method", 32));
  ASSIGN_OR_RETURN(a.certified_at, RequiredString(*body, "certified_at", 64));
  ASSIGN_OR_RETURN(a.site, RequiredString(*body, "site", 128));
  ASSIGN_OR_RETURN(a.ref, RequiredString(*body, "ref", 128));
  ASSIGN_OR_RETURN(a.score, OptionalScore(*body, "score"));
  ASSIGN_OR_RETURN(a.liveness, OptionalScore(*body, "liveness"));

  // The evidence and its audit entry are one unit of work; a refusal writes
  // only its audit entry.
  ASSIGN_OR_RETURN(std::unique_ptr<StoreTransaction> unit, ctx.store.Begin());
  ASSIGN_OR_RETURN(AttestationOutcome o, RecordAttestation(ctx.store, ctx.svc.policy, ctx.principal, a,
                                                           ctx.svc.NowMs(), ctx.svc.options.signature_window_seconds));
  const bool refused = o.refusal != AttestationRefusal::kNone;
  // The trail cannot be changed later, so only checked text goes into it: a
  // malformed field may hold anything (even a number), and the attestor's
  // free text (ref, site) is checked against the person's number only once
  // the person is found and the method known.
  json detail = json::object();
  if (o.refusal != AttestationRefusal::kInvalidField) {
    detail["method"] = a.method;
    detail["certified_at"] = a.certified_at;
    if (a.score) detail["score"] = *a.score;
    if (a.liveness) detail["liveness"] = *a.liveness;
  }
  if (!refused || o.refusal == AttestationRefusal::kBelowThreshold || o.refusal == AttestationRefusal::kRefReused) {
    detail["ref"] = a.ref;
    detail["site"] = a.site;
  }
  if (!refused) {
    detail["evidence_id"] = o.evidence_id;
    detail["kind"] = o.kind;
  }
  const std::string target = !o.masked_id.empty() ? "person " + o.masked_id
                             : o.refusal == AttestationRefusal::kUnknownPerson ? "person (not in the registry)"
                                                                                : "person (not identified)";
  const std::string outcome = refused     ? fmt::format("refused: {}", AttestationRefusalName(o.refusal))
                              : o.created ? std::string("ok")
                                          : std::string("ok: recorded before");
  RETURN_IF_ERROR(ctx.Audit("attestation.submit", target, detail.dump(-1, ' ', false, json::error_handler_t::replace),
                            outcome));
  RETURN_IF_ERROR(unit->Commit());
  ctx.svc.metrics.Add("tacit_attestations_total", "Signed certification results by outcome.",
                      fmt::format("outcome=\"{}\"", refused     ? AttestationRefusalName(o.refusal)
                                                    : o.created ? std::string_view("recorded")
                                                                : std::string_view("recorded_before")),
                      1);
  if (refused) return tl::unexpected(RefusalError(o));
  return Reply::Json({{"evidence_id", o.evidence_id},
                      {"created", o.created},
                      {"kind", o.kind},
                      {"certified_on", o.certified_on.ToString()},
                      {"ref", a.ref}},
                     o.created ? 201 : 200);
}

}  // namespace

void AddAttestationRoutes(std::vector<Route>& routes) {
  const json score = {{"type", "number"}, {"minimum", 0}, {"maximum", 1}};
  json methods = json::array();
  for (std::string_view m : kAttestationMethodNames) methods.push_back(m);
  routes.push_back(
      {.method = "POST",
       .path = "/api/v1/attestations",
       .tag = "attestations",
       .summary = "提交认证结果 (a signed certification result: face, fingerprint, finger or palm vein, bank "
                  "terminal, home visit); 201 recorded, 200 the same ref recorded before",
       .auth = kSignatureAuth,
       .action = Action::kAttest,
       .request_schema = {{"type", "object"},
                          {"required", {"id_number", "method", "certified_at", "site", "ref"}},
                          {"properties",
                           {{"id_number", {{"type", "string"}}},
                            {"method", {{"type", "string"}, {"enum", methods}}},
                            {"certified_at", {{"type", "string"}, {"format", "date-time"}}},
                            {"site", {{"type", "string"}, {"maxLength", 128}}},
                            {"score", score},
                            {"liveness", score},
                            {"ref", {{"type", "string"}, {"pattern", "^[A-Za-z0-9._:-]{1,128}$"}}}}}},
       .handler = Submit,
       .max_body = 16 << 10});
}

}  // namespace tacit::server
