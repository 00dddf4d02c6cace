// The OpenAPI 3 description, generated from the route table that dispatches
// requests, so that it cannot drift from what the server does.
#include "server/routes.h"

namespace tacit::server {
namespace {

json ErrorSchema() {
  return {{"type", "object"},
          {"required", {"error"}},
          {"properties",
           {{"error",
             {{"type", "object"},
              {"required", {"code", "message"}},
              {"properties",
               {{"code", {{"type", "string"}, {"description", "stable, for programs: invalid_argument, not_found, "
                                                              "permission_denied, unauthenticated, csrf, rate_limited, "
                                                              "payload_too_large, no_route, ..."}}},
                {"message", {{"type", "string"}, {"description", "for people, in Chinese with English"}}},
                {"field", {{"type", "string"}, {"description", "path of the offending field in the request"}}}}}}}}}};
}

}  // namespace

json OpenApi(const std::vector<Route>& routes) {
  json paths = json::object();
  for (const Route& r : routes) {
    json op = {{"tags", {r.tag}},
               {"summary", r.summary},
               {"operationId", r.tag + "_" + std::to_string(&r - routes.data())},
               {"responses",
                {{"200", {{"description", "OK"}}},
                 {"default",
                  {{"description", "an error",
                    },
                   {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}}}};
    json params = json::array();
    size_t pos = 0;
    while ((pos = r.path.find('{', pos)) != std::string::npos) {
      size_t end = r.path.find('}', pos);
      params.push_back({{"name", r.path.substr(pos + 1, end - pos - 1)},
                        {"in", "path"},
                        {"required", true},
                        {"schema", {{"type", "string"}}}});
      pos = end;
    }
    for (const std::string& q : r.query) {
      size_t colon = q.find(':');
      params.push_back({{"name", q.substr(0, colon)},
                        {"in", "query"},
                        {"required", false},
                        {"description", colon == std::string::npos ? "" : q.substr(colon + 2)},
                        {"schema", {{"type", "string"}}}});
    }
    if (!params.empty()) op["parameters"] = params;
    if (!r.request_types.empty()) {
      json content = json::object();
      for (const std::string& type : r.request_types) {
        content[type] = {{"schema", {{"type", "string"}, {"format", "binary"}}}};
      }
      op["requestBody"] = {{"required", true}, {"content", content}};
    } else if (!r.request_schema.is_null()) {
      op["requestBody"] = {{"required", true}, {"content", {{"application/json", {{"schema", r.request_schema}}}}}};
    }
    json security = json::array();
    if (r.auth & kSessionAuth) security.push_back({{"session", json::array()}});
    if (r.auth & kApiKeyAuth) security.push_back({{"apiKey", json::array()}});
    if (r.auth & kSignatureAuth) security.push_back({{"signature", json::array()}});
    if (r.auth & kCitizenAuth) security.push_back({{"citizen", json::array()}});
    op["security"] = security;
    if (r.action) op["x-tacit-action"] = std::string(ActionName(*r.action));
    std::string method = r.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[r.path][method] = op;
  }
  return {{"openapi", "3.0.3"},
          {"info",
           {{"title", "tacit API"},
            {"version", "1"},
            {"description", "社会保险待遇领取资格认证 (benefit entitlement certification). See docs/api.md."}}},
          {"paths", paths},
          {"components",
           {{"schemas", {{"Error", ErrorSchema()}}},
            {"securitySchemes",
             {{"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "tacit_session"},
                           {"description", "staff session from POST /api/v1/session; state changes also need the "
                                           "X-CSRF-Token header"}}},
              {"apiKey", {{"type", "http"}, {"scheme", "bearer"}, {"description", "a partner's API key"}}},
              {"citizen", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "tacit_citizen"},
                           {"description", "a citizen's session from POST /api/v1/citizen/session (identity number, "
                                           "name and an SMS code); state changes also need the X-CSRF-Token header"}}},
              {"signature", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-Tacit-Signature"},
                             {"description", "an attestor's HMAC-SHA256 signature; see docs/api.md"}}}}}}}};
}

}  // namespace tacit::server
