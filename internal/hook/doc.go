// Package hook builds and runs Kratos's self-service flow hooks from the
// hooks lists of the configuration (selfservice.flows.<flow>.before.hooks,
// .after.hooks, .after.<method>.hooks): web_hook, revoke_active_sessions,
// and the two flow-specific markers session and require_verified_address
// (settings spec §8.2–§8.3, §2.7 row 15; foundation §1.7 step 3, §2.3 step 5).
//
// The app builds every hook once at startup with FromConfig; a flow keeps the
// []Hook of the list that applies and calls Run on each in order, handing it
// a Context (the flow's wire JSON, the admin-view identity JSON, the request
// line and headers, the session). What the flow does with an error is the
// flow's business:
//   - *InterruptError (a parsing web_hook answered ≥400 with Kratos's
//     {"messages":[{"instance_ptr":…,"messages":[…]}]} body, v1): put the
//     messages on the flow's nodes (Field, "" = global) and answer 400;
//   - any other error: the hook failed. For a post-persist hook the identity
//     is already saved; the flow answers with its generic error (settings §2.7
//     row 15).
//
// Markers: Session and RequireVerifiedAddress carry no behaviour here (Run is
// a no-op); each flow detects them with a type switch and does what the hook
// means for it (issue the session, refuse unverified logins).
//
// Pre- and post-persist: Kratos runs a web_hook with response.parse (or the
// deprecated can_interrupt) only before the identity is saved, and every
// other web_hook only after (v1 semantics; in v0.10.1 web_hook is
// post-persist only). PrePersist(h) reports which slot a hook belongs to.
//
// web_hook, in short:
//   - the body template (file://, base64://, http(s)://, or a bare file path)
//     is loaded and parsed once, in FromConfig; imports are refused, as in
//     Kratos's sandboxed VM;
//   - the template gets the context as the top-level argument ctx (Kratos
//     templates are `function(ctx) {…}`) and also as std.extVar('ctx');
//   - `error "cancel"` (any error message starting with "cancel", as Kratos
//     matches it) cancels the call: Run returns nil and nothing is sent;
//   - status ≥ 400 or a transport error fails the hook (*StatusError, text
//     "web hook failed with status code N"), unless response.ignore: then the
//     call runs in its own goroutine, bounded by Deps.Timeout, detached from
//     the request's cancellation, and failures are only logged;
//   - with Deps.DisallowPrivateIPRanges, connections to loopback, private,
//     link-local and other non-public addresses are refused at dial time (so
//     DNS answers and redirects are checked too), and proxies are bypassed.
//
// Secrets: auth values, request and response bodies and the target URL's path
// and query (webhook URLs often embed tokens) are never logged or put in
// errors; logs and errors name the target by scheme and host only.
//
// hook imports only text (for UI messages) and the standard library plus
// go-jsonnet and uuid; flows and the app import it. It never imports config:
// the app converts config.Hook to Config (same fields) and passes Deps.
package hook
