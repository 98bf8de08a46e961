// Package cli holds Warden's cobra commands with Kratos's syntax: serve,
// migrate sql, version. Commands are thin: they load the config and call app.
package cli
