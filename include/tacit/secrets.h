// The operator's secret key (密钥) and what tacit derives from it: sealing
// secrets stored in the store (AES-256-GCM), and opaque person handles for URLs.
//
// The key is 32 random bytes in a file the operator keeps apart from the store
// (`--key-file`, or the environment variable TACIT_KEY_FILE; `tacit init`
// creates `<store>.key` with mode 0600 when none exists). Someone who copies
// the store without the key can neither unseal attestors' signing secrets nor
// turn a person handle back into an identity number.
//
//   ASSIGN_OR_RETURN(Secrets s, Secrets::Load("/etc/tacit/tacit.key"));
//   std::string h = s.PersonHandle(key);          // "p7c1e…" (33 characters)
//   ASSIGN_OR_RETURN(PersonKey back, s.PersonFromHandle(h));
#ifndef TACIT_SECRETS_H_
#define TACIT_SECRETS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "tacit/id_number.h"
#include "tacit/result.h"

namespace tacit {

// SHA-256 of bytes, lower-case hex.
std::string Sha256Hex(std::string_view bytes);
// HMAC-SHA256 of `message` under `key`, lower-case hex.
std::string HmacSha256Hex(std::string_view key, std::string_view message);
// `n` random bytes from the operating system's CSPRNG as lower-case hex (2n
// characters). Never empty: when the CSPRNG fails the process stops.
std::string RandomHex(size_t n);
// Equality of two strings in time independent of where they differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);
// Standard base64 (RFC 4648 §4, with padding; whitespace not allowed).
// Errors: kInvalidArgument naming the offset of the first bad character.
Result<std::string> Base64Decode(std::string_view text);
std::string Base64Encode(std::string_view bytes);

class Secrets {
 public:
  // Reads a key file of exactly 32 bytes (or 64 hex digits). Errors:
  // kNotFound, kInvalidArgument (wrong size), kFailedPrecondition (the file
  // can be read by group or others).
  static Result<Secrets> Load(const std::string& path);
  // Creates a key file with 32 random bytes and mode 0600 unless one exists.
  // Returns whether it created one.
  static Result<bool> CreateIfMissing(const std::string& path);
  // A key from bytes, for tests.
  static Secrets FromBytesForTest(std::string_view bytes32);

  // AES-256-GCM under a subkey of the master key; `context` is bound as
  // additional data (e.g. "attestor:bank-terminals"), so a sealed value cannot be
  // moved to another row. Output: base64 of nonce | ciphertext | tag.
  std::string Seal(std::string_view plaintext, std::string_view context) const;
  // Errors: kDataLoss when the value was altered, sealed under another key or
  // for another context.
  Result<std::string> Open(std::string_view sealed, std::string_view context) const;

  // An opaque, stable handle for a person in URLs: "p" + 32 hex digits (the
  // key encrypted as one AES block with a check half).
  std::string PersonHandle(PersonKey key) const;
  // Errors: kInvalidArgument when the text is not a handle made with this key.
  Result<PersonKey> PersonFromHandle(std::string_view handle) const;

  // A keyed pseudonym of `value` (hex HMAC-SHA256 under a subkey, bound to
  // `context`): stable, comparable, and not reversible by trying every value
  // without the key, which matters for small spaces such as IPv4 addresses.
  std::string Pseudonym(std::string_view context, std::string_view value) const;


 private:
  explicit Secrets(const std::array<unsigned char, 32>& master);
  std::array<unsigned char, 32> seal_key_{};
  std::array<unsigned char, 32> handle_key_{};
  std::array<unsigned char, 32> pseudonym_key_{};
};

}  // namespace tacit

#endif  // TACIT_SECRETS_H_
