// Package registration is the self-service registration flow (foundation
// §2): browser and API init, fetch and submit. Methods (password today)
// plug in through the Method interface and build an unsaved identity; the
// flow stores it (a duplicate identifier is message 4000007, so of several
// concurrent registrations of one identifier exactly one wins), runs the
// after-registration hooks (session) and answers through flow.Responder.
//
// registration sits in layer L4: it imports flow, session, identity, ui,
// text, web and apierr. The store implements its Store.
package registration
