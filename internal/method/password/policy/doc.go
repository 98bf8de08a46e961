// Package policy owns Warden's password policy (spec §9.2, decision D17):
// the rules a new password must pass at registration and in settings (not at
// admin import). Validator.Validate runs, in this order:
//
//  1. minimum length (min_password_length, bytes, as Kratos);
//  2. maximum length, 72 bytes by default: bcrypt's limit, shared by every
//     Warden hasher, so an accepted password is never truncated;
//  3. similarity to each identifier (identifier_similarity_check_enabled):
//     Levenshtein distance below 5, or a common substring longer than half
//     the password, both on lower-cased values;
//  4. an embedded list of 42,692 common passwords (blocklist.txt.gz, from
//     @zxcvbn-ts/language-common, MIT), checked offline and case-insensitively;
//  5. the haveibeenpwned range API, only when enabled.
//
// Invariants:
//   - A refused password gives a *Violation whose Reason is Kratos's text;
//     callers render it as message 4000005. Anything else returned is an
//     internal error (500), e.g. an unparsable range answer.
//   - The password never leaves the process except as the 5-hex SHA-1 prefix
//     sent to the range API, and this package logs nothing.
//   - Every rule is linear in the input size: a client cannot make a check
//     quadratic with a huge password or trait.
//   - Memory is bounded: the blocklist is loaded once per process on first
//     use, and the range cache holds at most 256 prefixes for one hour.
//
// The package imports only the standard library. The password method
// (internal/method/password) and the settings flow import it; tests may set
// unexported knobs (retry wait, cache size).
package policy
