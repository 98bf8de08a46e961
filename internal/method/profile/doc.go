// Package profile is the settings flow's profile method (settings-flow §5.1):
// it shows the identity's traits as a form and replaces them wholesale with a
// submission. The submitted traits are validated against the identity's
// schema before anything else; a change of a credential identifier or of a
// verifiable address needs a privileged session, any other trait change
// does not (recovery addresses included, §13 Q13). Identifiers and addresses
// are re-derived from the new traits inside the write transaction, so they
// always match the traits stored with them.
//
// profile sits in layer L5: it imports flow, flow/settings, identity, ui,
// text and apierr.
package profile
