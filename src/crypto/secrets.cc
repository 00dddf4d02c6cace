// Hashes, random tokens, AES-256-GCM sealing and person handles over OpenSSL's
// EVP API. Every OpenSSL failure here means a broken OpenSSL (no provider),
// never bad input: such failures yield empty results that no check accepts,
// except the random number generator's, which stops the process.
#include "tacit/secrets.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>

namespace tacit {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string ToHex(const unsigned char* p, size_t n) {
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 0xF]);
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes hex into `out`; false on an odd length or a non-hex character.
bool FromHex(std::string_view hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  out.clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexValue(hex[i]), lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

std::array<unsigned char, 32> Subkey(const std::array<unsigned char, 32>& master, std::string_view label) {
  std::array<unsigned char, 32> out{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), master.data(), static_cast<int>(master.size()),
       reinterpret_cast<const unsigned char*>(label.data()), label.size(), out.data(), &length);
  return out;
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) return std::string();
  return ToHex(digest, length);
}

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
           message.size(), digest, &length) == nullptr) {
    return std::string();
  }
  return ToHex(digest, length);
}

namespace {

// Fills `out` from the CSPRNG, or stops the process. Callers use the bytes as
// salts, tokens, nonces and ids; an empty or predictable one would be a weak
// password hash, a reused GCM nonce or an id that throws where it is parsed,
// so there is no value to return instead.
void FillRandomOrAbort(unsigned char* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) == 1) return;
  std::fputs("tacit: the operating system's random number generator failed (RAND_bytes); stopping\n", stderr);
  std::abort();
}

}  // namespace

std::string RandomHex(size_t n) {
  std::string bytes(n, '\0');
  FillRandomOrAbort(reinterpret_cast<unsigned char*>(bytes.data()), n);
  return ToHex(reinterpret_cast<const unsigned char*>(bytes.data()), n);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0 && !a.empty();
}

Secrets::Secrets(const std::array<unsigned char, 32>& master)
    : seal_key_(Subkey(master, "tacit seal v1")),
      handle_key_(Subkey(master, "tacit person handle v1")),
      pseudonym_key_(Subkey(master, "tacit pseudonym v1")) {}

Result<std::string> Base64Decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) {
    return InvalidArgument(fmt::format("base64 的长度应为 4 的倍数 (base64 text of {} characters: expected a multiple "
                                       "of 4, with = padding)", text.size()));
  }
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      const bool last_block = i + 4 == text.size();
      if (c == '=' && last_block && k >= 2 && (k == 3 || text[i + 3] == '=')) {
        v[k] = 0;
        ++pad;
        continue;
      }
      v[k] = value(c);
      if (v[k] < 0 || pad > 0) {
        return InvalidArgument(fmt::format("base64 在第 {} 个字符处无效 (not base64 at offset {})", i + k, i + k));
      }
    }
    const uint32_t n = (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) | uint32_t(v[3]);
    out.push_back(static_cast<char>((n >> 16) & 0xff));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
  }
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = uint32_t(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) n |= uint32_t(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) n |= uint32_t(static_cast<unsigned char>(bytes[i + 2]));
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? kAlphabet[n & 63] : '=');
  }
  return out;
}

std::string Secrets::Pseudonym(std::string_view context, std::string_view value) const {
  const std::string key(reinterpret_cast<const char*>(pseudonym_key_.data()), pseudonym_key_.size());
  std::string message(context);
  message.push_back('\0');
  message.append(value);
  return HmacSha256Hex(key, message);
}

Secrets Secrets::FromBytesForTest(std::string_view bytes32) {
  std::array<unsigned char, 32> master{};
  std::memcpy(master.data(), bytes32.data(), std::min<size_t>(32, bytes32.size()));
  return Secrets(master);
}

Result<Secrets> Secrets::Load(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return NotFound(fmt::format("密钥文件 {} 不存在 (no key file: create one with `tacit init` or point --key-file / "
                                "TACIT_KEY_FILE at it)",
                                path));
  }
  if ((st.st_mode & 077) != 0) {
    return FailedPrecondition(
        fmt::format("密钥文件 {} 的权限过宽 (the key file is readable by others: chmod 600 {})", path, path));
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  if (!in && !in.eof()) return Unavailable(fmt::format("cannot read the key file {}", path));
  while (!bytes.empty() && (bytes.back() == '\n' || bytes.back() == '\r')) bytes.pop_back();
  std::string raw;
  if (bytes.size() == 64 && FromHex(bytes, raw)) bytes = raw;
  if (bytes.size() != 32) {
    return InvalidArgument(
        fmt::format("密钥文件 {} 格式错误 (expected 32 bytes or 64 hex digits, found {} bytes)", path, bytes.size()));
  }
  std::array<unsigned char, 32> master{};
  std::memcpy(master.data(), bytes.data(), 32);
  return Secrets(master);
}

Result<bool> Secrets::CreateIfMissing(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return false;
    return Unavailable(fmt::format("cannot create the key file {}: {}", path, std::strerror(errno)));
  }
  std::string hex = RandomHex(32);
  hex.push_back('\n');
  bool ok = hex.size() == 65 && ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return Unavailable(fmt::format("cannot write the key file {}", path));
  }
  return true;
}

std::string Secrets::Seal(std::string_view plaintext, std::string_view context) const {
  std::string nonce(kNonceBytes, '\0');
  FillRandomOrAbort(reinterpret_cast<unsigned char*>(nonce.data()), kNonceBytes);
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out = nonce;
  out.resize(kNonceBytes + plaintext.size() + kTagBytes);
  int len = 0;
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, seal_key_.data(), o) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(context.data()),
                        static_cast<int>(context.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), o + kNonceBytes, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), o + kNonceBytes + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, o + kNonceBytes + plaintext.size()) != 1) {
    return std::string();
  }
  return Base64Encode(out);
}

Result<std::string> Secrets::Open(std::string_view sealed, std::string_view context) const {
  auto decoded = Base64Decode(sealed);
  if (!decoded || decoded->size() < kNonceBytes + kTagBytes) {
    return DataLoss("sealed value is damaged (not base64 of nonce, ciphertext and tag)");
  }
  std::string& bytes = *decoded;
  const size_t n = bytes.size() - kNonceBytes - kTagBytes;
  std::string out(n, '\0');
  auto* b = reinterpret_cast<unsigned char*>(bytes.data());
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, seal_key_.data(), b) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(context.data()),
                        static_cast<int>(context.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, b + kNonceBytes,
                        static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, b + kNonceBytes + n) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &len) != 1) {
    return DataLoss("sealed value does not open under this key and context (altered, or another key)");
  }
  return out;
}

std::string Secrets::PersonHandle(PersonKey key) const {
  unsigned char block[16] = {};
  for (int i = 0; i < 8; ++i) block[i] = static_cast<unsigned char>(key >> (8 * i));
  // Bytes 8..15 stay zero: the check half that PersonFromHandle verifies.
  unsigned char out[32];
  int len = 0;
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_ecb(), nullptr, handle_key_.data(), nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 || EVP_EncryptUpdate(ctx.get(), out, &len, block, 16) != 1) {
    return std::string();
  }
  return "p" + ToHex(out, 16);
}

Result<PersonKey> Secrets::PersonFromHandle(std::string_view handle) const {
  std::string raw;
  if (handle.size() != 33 || handle[0] != 'p' || !FromHex(handle.substr(1), raw)) {
    return InvalidArgument("人员标识格式错误 (a person handle is 'p' and 32 hex digits)");
  }
  unsigned char out[32];
  int len = 0;
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_ecb(), nullptr, handle_key_.data(), nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
      EVP_DecryptUpdate(ctx.get(), out, &len, reinterpret_cast<const unsigned char*>(raw.data()), 16) != 1) {
    return Internal("AES is unavailable in OpenSSL");
  }
  for (int i = 8; i < 16; ++i) {
    if (out[i] != 0) return InvalidArgument("人员标识无效 (not a person handle of this server)");
  }
  PersonKey key = 0;
  for (int i = 0; i < 8; ++i) key |= static_cast<PersonKey>(out[i]) << (8 * i);
  return key;
}

}  // namespace tacit
