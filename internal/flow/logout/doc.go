// Package logout serves Kratos's logout (foundation §4): the browser flow
// (GET /self-service/logout/browser for the logout URL, then GET
// /self-service/logout?token= to follow it) and the API logout (DELETE
// /self-service/logout/api with the session token in the body).
//
// Logout only deactivates the session row; a repeated API logout of the
// same token therefore still succeeds. The logout token is derived from the
// session token (session.LogoutTokenFor), so it is compared in constant
// time without a store lookup. Browser errors go through the flow's error
// manager (ErrorRedirector); nothing here answers 500 to a forged, foreign
// or replayed token.
//
// logout imports session and web (layer L4); app wires it.
package logout
