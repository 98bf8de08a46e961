// Package api owns Warden's two HTTP servers: every public and every admin
// route (routes.go), the cross-port and /admin-prefix redirects, health,
// version and schema endpoints, the admin identity API, and the listeners
// with graceful shutdown (server.go).
//
// api sits above the domain packages and below app; only app imports it.
package api
