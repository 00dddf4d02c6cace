// `tacit outreach`, `tacit channel`, `tacit wechat`, `tacit special`,
// `tacit visit`, `tacit point` and `tacit deaths`: reminders and their
// dispatch, channel configuration, the special-persons file, home visits,
// certification points and the committees' death returns (tacit/outreach.h).
#ifndef TACIT_APPS_TACIT_OUTREACH_COMMANDS_H_
#define TACIT_APPS_TACIT_OUTREACH_COMMANDS_H_

#include <string>

#include "tacit/policy.h"
#include "tacit/result.h"
#include "tacit/secrets.h"
#include "tacit/store.h"

namespace tacit::cli {

struct OutreachArgs {
  std::string as_of, from, to, region, status, person_id, month;
  bool dry_run = false, json = false, overdue = false, loop = false, all = false;
  int workers = 1, interval_s = 30, limit = 50, for_s = 0, lease_s = 120, receipt_after_s = 60, settle_s = 300;
  std::string channel, config_file, reason, file, out_dir;
  bool secret_stdin = false;
  // special
  std::string contact_name, contact_phone, address, notes;
  // visit
  int64_t task_id = 0;
  std::string to_user, outcome, on, by, death_date, photo, note;
  // point
  std::string code, name, short_name, kind = "bank_terminal", hours, attestor;
  // deaths
  std::string committee, phone;
  int64_t deaths = 0, batch_id = 0;
};

// The Beijing instant now (TACIT_TODAY moves it by whole days, as for face).
int64_t OutreachNowMs();

Status OutreachRun(Store& store, const Policy& policy, const OutreachArgs& a);
Status OutreachDispatch(Store& store, const Policy& policy, const Secrets& secrets, const std::string& db_path,
                        const OutreachArgs& a);
Status OutreachList(Store& store, const OutreachArgs& a);
Status OutreachStatus(Store& store);
Status OutreachStatsCmd(Store& store, const Policy& policy, const OutreachArgs& a);
Status OutreachNotices(Store& store, const Policy& policy, const OutreachArgs& a);

Status ChannelSet(Store& store, const Secrets& secrets, const OutreachArgs& a);
Status ChannelShow(Store& store);
Status ChannelPause(Store& store, const OutreachArgs& a, bool pause);
Status WeChatBindImport(Store& store, const Secrets& secrets, const OutreachArgs& a);
Status EmployerImport(Store& store, const OutreachArgs& a);

Status SpecialSet(Store& store, const OutreachArgs& a);
Status SpecialUnset(Store& store, const OutreachArgs& a);
Status SpecialList(Store& store, const OutreachArgs& a);

Status VisitList(Store& store, const Policy& policy, const OutreachArgs& a);
Status VisitAssign(Store& store, const OutreachArgs& a);
Status VisitComplete(Store& store, const Policy& policy, const OutreachArgs& a);

Status PointAdd(Store& store, const OutreachArgs& a);
Status PointImport(Store& store, const OutreachArgs& a);
Status PointList(Store& store, const OutreachArgs& a);

Status DeathsReport(Store& store, const OutreachArgs& a);
Status DeathsStatus(Store& store, const OutreachArgs& a);
Status CommitteeContactSet(Store& store, const OutreachArgs& a);

}  // namespace tacit::cli

#endif  // TACIT_APPS_TACIT_OUTREACH_COMMANDS_H_
