// Package login is the self-service login flow (foundation §1): browser and
// API init, fetch and submit, for first-factor logins, refresh logins
// (refresh=true keeps the session and moves authenticated_at) and AAL
// upgrades (aal=aal2). Methods (password, later totp, lookup_secret,
// webauthn) plug in through the Method interface and are picked by the
// body's "method" field; the flow decides sessions, throttling (D18) and
// answers, through the shared flow.Responder.
//
// login sits in layer L4: it imports flow, session, identity, ui, text,
// web and apierr. The store implements its Store and ThrottleStore.
package login
