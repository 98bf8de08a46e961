// Package session owns Kratos's session (foundation §3): the Session object
// and its AAL math (session.go, aal.go), its hand-written JSON encoding for
// whoami (encode.go), tokens and the session cookie
// (token.go, cookie.go), the Manager that issues, finds and judges sessions
// (manager.go, request.go), the Store contract (store.go), and the whoami,
// own-session and admin session endpoints (handlers*.go).
//
// Invariants:
//   - Tokens exist in plain text only in memory: on a session just issued
//     (Save) or found from a request (FromRequest). The store keeps
//     SHA-256 hashes (D16) and looks them up through unique indexes.
//   - The logout token is derived from the session token (LogoutTokenFor),
//     so it can be shown again without being stored.
//   - FromRequest is one indexed read (one statement) of session, identity
//     and the identity's addresses, and never writes; nothing of it is
//     cached, so a revocation on any node applies at once: whoami cost does
//     not grow with the number of identities or sessions.
//   - A store failure is never reported as "no session".
//
// session imports identity, web, apierr (layer L2). Flows (L3+) use the
// Manager; internal/store implements Store.
package session
