// A store for the fuzz targets that need one (attestations, API bodies): a
// SQLite file under /dev/shm (or TMPDIR) made once per process, with the
// default policy, two counties, two persons and an administrator; removed at
// exit. What the targets write accumulates in it, as in a running server.
#ifndef TACIT_TESTS_FUZZ_FUZZ_STORE_H_
#define TACIT_TESTS_FUZZ_FUZZ_STORE_H_

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "fuzz_util.h"
#include "store/test_registry.h"
#include "tacit/policy.h"
#include "tacit/secrets.h"
#include "tacit/store.h"

namespace tacit::fuzz {

struct FuzzStore {
  std::filesystem::path dir;
  std::unique_ptr<Store> store;
  Policy policy;
  Secrets secrets = Secrets::FromBytesForTest(std::string(32, 's'));
  std::vector<std::string> persons;  // identity numbers in the registry

  static FuzzStore& Get() {
    static FuzzStore* s = [] {
      auto* f = new FuzzStore;
      std::error_code ec;
      std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec)
                                       ? std::filesystem::path("/dev/shm")
                                       : std::filesystem::temp_directory_path();
      f->dir = base / ("tacit_fuzz_" + std::to_string(getpid()));
      std::filesystem::create_directories(f->dir);
      static std::string dir_text = f->dir.string();
      std::atexit([] {
        std::error_code e;
        std::filesystem::remove_all(dir_text, e);
      });
      auto store = OpenStore((f->dir / "fuzz.db").string(), SqliteOptions{.cache_mb = 16});
      if (!store || !(*store)->Migrate()) Fail("cannot open the fuzz store");
      f->store = std::move(*store);
      f->policy = *ParsePolicy(DefaultPolicyText(), "default");
      if (!f->store->SavePolicy(f->policy)) Fail("cannot save the policy");
      if (!f->store->UpsertRegions({{"14", "山西省", "", RegionLevel::kProvince},
                                    {"1401", "太原市", "14", RegionLevel::kCity},
                                    {"140105", "小店区", "1401", RegionLevel::kCounty},
                                    {"1402", "大同市", "14", RegionLevel::kCity},
                                    {"140202", "新荣区", "1402", RegionLevel::kCounty}})) {
        Fail("cannot add regions");
      }
      std::vector<RegistryRow> rows;
      for (const auto& [id17, region] : {std::pair{"14010519500101123", "140105001001"},
                                         std::pair{"14020219520202223", "140202001001"}}) {
        rows.push_back(TestRegistryRow(id17, region, FuzzToday() - 30));
        f->persons.push_back(rows.back().person.id_number);
      }
      if (!f->store->ImportRegistry(rows, Month::Of(2026, 10))) Fail("cannot import the registry");
      return f;
    }();
    return *s;
  }
};

}  // namespace tacit::fuzz

#endif  // TACIT_TESTS_FUZZ_FUZZ_STORE_H_
