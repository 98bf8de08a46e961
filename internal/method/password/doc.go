// Package password is the password credential method for the login and
// registration flows (foundation §1.5, §2.3; settings comes later): its UI
// nodes, the checks of a submission, constant-work verification (an unknown
// identifier costs one dummy hash comparison, exactly like a wrong
// password, and gets the same message 4000006), the hash upgrade after a
// successful login, and the password policy on registration.
//
// password sits in layer L5: it imports the flows it serves
// (flow/login, flow/registration), flow, identity, hash, ui, text and its
// policy subpackage.
package password
