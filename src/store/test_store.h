// A test fixture: a fresh SQLite store in a directory of its own, with the
// default policy saved and one person (TestRegistryRow "14010519500101123",
// living in 140105001001, imported 30 days before today_). Included by test
// files only.
#ifndef TACIT_SRC_STORE_TEST_STORE_H_
#define TACIT_SRC_STORE_TEST_STORE_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "store/test_registry.h"
#include "tacit/policy.h"
#include "tacit/secrets.h"
#include "tacit/store.h"
#include "store/test_store_location.h"

namespace tacit {

class OnePersonStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("tacit_store_" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    location_ = TestStoreLocation(dir_);
    store_ = std::move(*OpenStore(location_));
    ASSERT_TRUE(store_->Migrate());
    policy_ = *ParsePolicy(DefaultPolicyText(), "default");
    ASSERT_TRUE(store_->SavePolicy(policy_));
    row_ = TestRegistryRow("14010519500101123", "140105001001", today_ - 30);
    ASSERT_TRUE(store_->ImportRegistry({row_}, Month::Of(2026, 10)));
  }
  void TearDown() override {
    store_.reset();
    DropTestStore(location_);
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::string location_;  // TestStoreLocation
  std::unique_ptr<Store> store_;
  Policy policy_;
  RegistryRow row_;  // the person
  const Date today_ = *ParseDate("2026-11-20");
};

}  // namespace tacit

#endif  // TACIT_SRC_STORE_TEST_STORE_H_
