// Package lookup is the lookup_secret second factor — backup recovery codes
// (settings-flow §5.5, foundation §1.2, §1.5): the aal2 login with one
// code, and the settings method that generates 12 new codes, shows them
// once, saves them on confirmation, lists them, and disables the method.
//
// Codes are stored only as keyed hashes (D16): HMAC-SHA-256 under
// secrets.default (the first entry hashes new codes, every entry is tried
// when checking, so the secret can rotate), over a random per-credential
// salt and the code. A database dump alone therefore does not allow
// guessing the 41-bit codes offline. Because of that, "reveal" cannot show
// unused codes again: it lists them masked, with the used ones and when
// they were used (see settings.go).
//
// A code is spent by one atomic store operation (an insert that a duplicate
// key refuses), so of N parallel logins with the same code exactly one
// succeeds and the others get 4000012.
//
// Regenerated codes live only in the flow's lookup_secret_codes node until
// they are confirmed (the settings flow has no internal context): confirm
// reads them back from the stored flow, never from the request. Like totp,
// a confirm says in its settings.Update that the session gains the codes
// (Completed) and that a factor changed (FactorChanged), as a disable does
// (FactorChanged).
//
// lookup sits in layer L5: it imports the flows it serves (flow/login,
// flow/settings), flow, session, identity, ui and text.
package lookup
