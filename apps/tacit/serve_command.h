// `tacit serve`: wires the store, the policy and the operator's key into the
// HTTP server and runs it until SIGINT or SIGTERM, letting requests in flight
// finish.
#ifndef TACIT_APPS_TACIT_SERVE_COMMAND_H_
#define TACIT_APPS_TACIT_SERVE_COMMAND_H_

#include <string>

#include "tacit/policy.h"
#include "tacit/result.h"
#include "tacit/secrets.h"
#include "tacit/server.h"
#include "tacit/store.h"

namespace tacit::cli {

// `store` is the command's own connection (for the start and stop entries of
// the audit trail); the server opens one per worker thread on `db_path`.
Status Serve(Store& store, const Policy& policy, const Secrets& secrets, const std::string& db_path,
             ServerOptions options, const std::string& face_model_dir = "");

}  // namespace tacit::cli

#endif  // TACIT_APPS_TACIT_SERVE_COMMAND_H_
