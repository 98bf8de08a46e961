// Package flow is the machinery every self-service flow shares (login,
// registration, and later settings, recovery and verification): the common
// flow fields (id, type, expiry, request_url, return_to, ui), the return_to
// allow-list, CSRF handling of browser flows and the browser-indicator
// checks of API flows, the self-service error store and its endpoint, and
// the ONE Responder that decides, for every flow, whether an answer is
// JSON, a redirect to a UI, or an error (foundation §0.3–§0.7, §7, §8).
//
// Invariants:
//   - A flow's CSRF secret is never stored (decision D16): a browser flow
//     keeps only the SHA-256 of the real token it was created with, and the
//     masked csrf_token node value is rendered from the request's cookie on
//     every answer.
//   - URLs Warden builds (request_url, ui.action, redirects) are based on
//     serve.public.base_url, never on the Host header (decision D14).
//   - Bad input is a 4xx (a flow with messages, or the envelope), never a 500.
//
// flow sits in layer L3: it imports apierr, text, ui, identity and web; the
// flow packages (flow/login, flow/registration, …), the store (for the
// types it persists) and the app import it.
package flow
