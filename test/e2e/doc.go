// Package e2e tests the built warden binary from the outside: it builds
// cmd/warden once, starts it on free ports against SQLite and (when
// WARDEN_TEST_POSTGRES_DSN is set) PostgreSQL, and drives it through
// github.com/ory/client-go and raw net/http.
package e2e
