// Package webauthn is the WebAuthn method (security keys and passkeys;
// settings-flow §5.4, foundation §1.2, §1.5): the login with a key — as a
// second factor (aal2), or as the first factor when
// selfservice.methods.webauthn.config.passwordless is on (aal1, after the
// identifier) —, the settings method that registers and removes keys, and
// the webauthn.js script the flows' script nodes load (ScriptPath).
//
// Ceremonies use go-webauthn. The credential is Kratos's: type webauthn,
// identifiers = the traits marked credentials.webauthn.identifier, config
// {"credentials":[{id, public_key, attestation_type, authenticator{aaguid,
// sign_count, clone_warning}, display_name, added_at, is_passwordless}],
// "user_handle": <identity id bytes>} (Config), plus v1's per-key flags.
//
// Where Warden differs from Kratos (README, "Differences from Kratos"):
//   - challenges are derived, not stored: HMAC-SHA-256 under a key from
//     secrets.default over the purpose, the flow and the identity
//     (Method.challenge). Showing a flow writes nothing; the challenge
//     never comes from the client. A login's challenge is answered once
//     (one INSERT the store refuses for a replay, even a parallel one);
//   - a login moves the key's signature counter forward, and a counter
//     that does not move (a cloned authenticator) is refused with the key
//     marked clone_warning;
//   - a response that does not verify is a message on the flow (4000008 at
//     login, "Unable to create WebAuthn credential: …" in settings), never
//     a 500, and nothing is written;
//   - with native_flows, API flows get the nodes too: the trigger's value
//     holds the options JSON and the app posts the credential as JSON.
//
// A registration says in its settings.Update that the session gains the
// key (Completed, at the level the key proves) and that a factor changed
// (FactorChanged), as a removal does (FactorChanged); the settings flow
// upgrades the session, guards the last second factor and revokes the
// other sessions.
//
// webauthn sits in layer L5: it imports the flows it serves (flow/login,
// flow/settings), flow, session, identity, ui, text and apierr.
package webauthn
