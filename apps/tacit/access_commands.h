// The command line's access commands: staff accounts (`tacit user`), partner
// and attestor keys (`tacit partner`), the audit trail (`tacit audit`), and the
// audit entries every state-changing command appends. Each function parses
// nothing and wires nothing: main.cc opens the store and passes it in; these
// call the access library and print.
//
//   ASSIGN_OR_RETURN(auto unit, store.Begin());
//   ...the change...
//   RETURN_IF_ERROR(AuditCommand(store, "registry.import", "registry registry.csv", {{"rows", 12}}));
//   RETURN_IF_ERROR(unit->Commit());
#ifndef TACIT_APPS_TACIT_ACCESS_COMMANDS_H_
#define TACIT_APPS_TACIT_ACCESS_COMMANDS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tacit/policy.h"
#include "tacit/result.h"
#include "tacit/secrets.h"
#include "tacit/store.h"

namespace tacit::cli {

// Appends the command line's entry for a change it made: actor
// CommandLinePrincipal().Actor(), outcome "ok", `detail` as compact JSON (counts
// and parameters only: never a name, phone or unmasked identity number). Inside
// a unit of work the entry is committed with the change or not at all.
Status AuditCommand(Store& store, std::string action, std::string target, const nlohmann::json& detail = {});
// The same for a command whose library call commits its own units of work:
// called right after them, so the entry is a transaction of its own. A failure
// says that the change itself was made.
Status AuditCommandAfter(Store& store, std::string action, std::string target, const nlohmann::json& detail = {});

// `tacit user add NAME --role ROLE [--region CODE]`: the password is one line
// on standard input (asked twice without echo on a terminal), never an argument.
Status UserAdd(Store& store, const std::string& name, const std::string& role, const std::string& region);
// Name, role, region, state (active, locked until, disabled), created. No hashes.
Status UserList(Store& store);
// `tacit user passwd NAME`: the new password from standard input, as for add.
Status UserPasswd(Store& store, const std::string& name);
// `tacit user disable|enable NAME`; disabling ends the account's sessions.
Status UserSetDisabled(Store& store, const std::string& name, bool disabled);

// `tacit partner add`: prints the key once (the API key, or an attestor's key
// id and signing secret) after the registration is committed.
Status PartnerAdd(Store& store, const Policy& policy, const Secrets& secrets, const std::string& name,
                  const std::string& role, const std::string& source, const std::vector<std::string>& kinds);
// Name, role, source, kinds, key id, state, created. Never a secret or a hash.
Status PartnerList(Store& store);
// `tacit partner disable|enable NAME`: a disabled key is refused at once (a
// stolen or retired key); a new key is a new registration under a new name.
Status PartnerSetDisabled(Store& store, const std::string& name, bool disabled);

// `tacit audit verify`: errors kDataLoss naming the first broken entry and why.
Status AuditVerify(Store& store);
// `tacit audit head`: the last entry's hash on standard output, after verifying
// the chain (a broken chain is not anchored: the same error as verify).
Status AuditHead(Store& store);
// `tacit audit list`: entries with id > after_id, at most `limit` (0: all).
Status AuditList(Store& store, int64_t after_id, int64_t limit);
// `tacit audit export`: JSON Lines with every field, prev_hash and hash
// included, to `out_path` (through a temporary file) or standard output.
Status AuditExport(Store& store, const std::string& out_path);

}  // namespace tacit::cli

#endif  // TACIT_APPS_TACIT_ACCESS_COMMANDS_H_
