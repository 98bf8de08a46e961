// Package hash owns password hashing: producing new hashes (bcrypt or
// argon2id, spec §9.1), verifying a password against any stored hash format
// Warden accepts (bcrypt, argon2id, argon2i, pbkdf2, scrypt, firebase scrypt;
// spec §9.1 and §5.3), and checking hashes that an operator imports through
// the admin API.
//
// Invariants:
//   - Compare never panics on malformed input and always compares derived
//     keys in constant time.
//   - Every stored format has parameter limits (limits.go). They are checked
//     while parsing, before any expensive work, by both ValidateImport and
//     Compare. Kratos accepts any parameters at import and then runs out of
//     memory or hangs on login; we refuse at import with a reason a person can
//     act on, and refuse again at login for hashes that were stored earlier.
//   - A hash this package generates always passes its own limits, so a login
//     can never fail because of our own output.
//   - Passwords longer than 72 bytes are never silently truncated by bcrypt:
//     Generate refuses them and Compare reports a mismatch.
//
// Errors: ErrMismatch (wrong password), ErrTooLong (bcrypt's 72-byte limit)
// and ErrUnknownFormat (not a known format, malformed, or parameters beyond
// the limits; the error text says which).
//
// The package is layer L1: it imports only the standard library and
// golang.org/x/crypto, and never net/http. Login, registration, settings and
// the admin identity API import it.
package hash
