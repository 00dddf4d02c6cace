#include "tacit/secrets.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace tacit {
namespace {

Secrets TestKey(char fill = 'k') { return Secrets::FromBytesForTest(std::string(32, fill)); }

TEST(Hashes, Sha256AndHmacMatchPublishedVectors) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Hashes, RandomTokensDifferAndConstantTimeEqualsCompares) {
  std::string a = RandomHex(32), b = RandomHex(32);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(ConstantTimeEquals(a, a));
  EXPECT_FALSE(ConstantTimeEquals(a, b));
  EXPECT_FALSE(ConstantTimeEquals(a, a.substr(1)));
  EXPECT_FALSE(ConstantTimeEquals("", ""));
}

TEST(Base64, RoundTripsAndRefusesWhatIsNotBase64) {
  // RFC 4648 §10 test vectors.
  const std::pair<std::string, std::string> vectors[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},  {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    auto back = Base64Decode(encoded);
    ASSERT_TRUE(back) << encoded;
    EXPECT_EQ(*back, plain);
  }
  const std::string binary("\x00\xff\x10\x80\x7f", 5);
  EXPECT_EQ(*Base64Decode(Base64Encode(binary)), binary);
  for (const char* bad : {"Zg=", "Z===", "Zm9v\n", "Zm 9", "Zg==Zg==", "=Zm9", "Zm=v", "Zm9*"}) {
    EXPECT_FALSE(Base64Decode(bad)) << bad;
  }
}

TEST(Secrets, PseudonymsAreStableKeyedAndBoundToTheirContext) {
  const std::string a = TestKey().Pseudonym("face-device", "203.0.113.7");
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a, TestKey().Pseudonym("face-device", "203.0.113.7"));
  EXPECT_NE(a, TestKey().Pseudonym("face-device", "203.0.113.8"));
  EXPECT_NE(a, TestKey().Pseudonym("other", "203.0.113.7"));
  EXPECT_NE(a, TestKey('x').Pseudonym("face-device", "203.0.113.7"));
  EXPECT_EQ(a.find("203"), std::string::npos);
}

TEST(Secrets, SealedValuesOpenOnlyUnderTheSameKeyAndContext) {
  Secrets s = TestKey();
  std::string sealed = s.Seal("hmac secret", "attestor:bank");
  ASSERT_FALSE(sealed.empty());
  EXPECT_EQ(sealed.find("hmac"), std::string::npos);
  auto opened = s.Open(sealed, "attestor:bank");
  ASSERT_TRUE(opened) << opened.error().ToString();
  EXPECT_EQ(*opened, "hmac secret");
  EXPECT_FALSE(s.Open(sealed, "attestor:other"));
  EXPECT_FALSE(TestKey('x').Open(sealed, "attestor:bank"));
  std::string altered = sealed;
  altered[20] = altered[20] == 'A' ? 'B' : 'A';
  auto bad = s.Open(altered, "attestor:bank");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kDataLoss);
  EXPECT_NE(s.Seal("same", "c"), s.Seal("same", "c"));  // a fresh nonce each time
}

TEST(Secrets, PersonHandlesRoundTripAndRefuseForeignOrAlteredHandles) {
  Secrets s = TestKey();
  const PersonKey key = 1402021950010112347ULL % 0xFFFFFFFFFFFFULL;
  std::string h = s.PersonHandle(key);
  EXPECT_EQ(h.size(), 33u);
  EXPECT_EQ(h, s.PersonHandle(key));  // stable
  auto back = s.PersonFromHandle(h);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, key);
  EXPECT_FALSE(TestKey('x').PersonFromHandle(h));
  std::string altered = h;
  altered[5] = altered[5] == '0' ? '1' : '0';
  EXPECT_FALSE(s.PersonFromHandle(altered));
  EXPECT_FALSE(s.PersonFromHandle("p1234"));
  EXPECT_FALSE(s.PersonFromHandle(std::string(33, 'z')));
}

TEST(Secrets, KeyFileIsCreatedPrivateAndLoadsTheSameKey) {
  auto dir = std::filesystem::temp_directory_path() / ("tacit_secrets_" + RandomHex(6));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "t.key").string();
  auto created = Secrets::CreateIfMissing(path);
  ASSERT_TRUE(created && *created);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = Secrets::CreateIfMissing(path);
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  auto a = Secrets::Load(path), b = Secrets::Load(path);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->PersonHandle(42), b->PersonHandle(42));
  ::chmod(path.c_str(), 0644);
  auto open_to_all = Secrets::Load(path);
  ASSERT_FALSE(open_to_all);
  EXPECT_EQ(open_to_all.error().code, ErrorCode::kFailedPrecondition);
  std::ofstream(dir / "short.key") << "abc";
  ::chmod((dir / "short.key").c_str(), 0600);
  auto short_key = Secrets::Load((dir / "short.key").string());
  ASSERT_FALSE(short_key);
  EXPECT_EQ(short_key.error().code, ErrorCode::kInvalidArgument);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tacit
