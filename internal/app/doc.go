// Package app is the composition root: New builds the store, schemas,
// hashers and services from a Config and wires them into the public and
// admin handlers. Only cmd/warden, internal/cli and tests import it.
package app
