// Package settings is the self-service settings flow (settings-flow.md):
// browser and API init, fetch, submit (POST, and GET to resume a paused
// update), the settings error writer, the post-settings executor with the
// after-settings hooks, and continuity (a submission paused for a refresh
// login and replayed afterwards, §6.5).
//
// Methods (profile, password, totp, lookup_secret, webauthn) plug in
// through the Method interface. A method checks a submission (which
// carries the session) in Kratos's order (body, CSRF, privileged session,
// semantics) and returns an Update; the flow writes the identity and the
// two flows of a success in one transaction (Store.CommitSettings), so
// concurrent updates of one identity never tear: traits, identifiers and
// addresses always come from the same submission. Inside that
// transaction, on the credentials as stored, it also refuses any update
// that would take the last second factor away from a session below aal2
// (403 session_aal2_required), and populates the flow that follows the
// success with the credentials as the update leaves them. Right after it,
// the factor an update proved (Update.Completed) joins the session's AMR,
// before the post-persist hooks run and the answer is written.
//
// Decisions applied here (spec/decisions.md): D5 (browser success re-issues
// the session cookie, continue_with), D6 (no session on fetch/submit is a 401
// session_inactive), D8 (another identity's flow is a 403, never shown or
// changed), D11, D12, D14, D15, D16 (the continuity cookie is stored only as
// a hash, and the paused body is encrypted with a key derived from it).
// Beyond Kratos: an update that changes a factor (a password, a second
// factor: Update.FactorChanged) revokes the identity's other sessions
// unless selfservice.flows.settings.after.<method>.revoke_other_sessions is
// false (Options.RevokeOtherSessionsAfter).
//
// settings sits in layer L4: it imports flow, session, identity, hook, ui,
// text, web and apierr. The store implements its Store.
package settings
