package webauthn

import (
	"crypto/sha512"
	_ "embed"
	"encoding/base64"
	"net/http"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/ui"
)

// ScriptPath is where the public port serves the script (foundation §1.1).
const ScriptPath = "/.well-known/ory/webauthn.js"

// scriptNodeID is the id of the script node in flows.
const scriptNodeID = "webauthn_script"

//go:embed js/webauthn.js
var scriptJS []byte

// Script is Warden's webauthn.js: the functions the trigger nodes call
// (window.__oryWebAuthnLogin, window.__oryWebAuthnRegistration), written
// for Warden. Its integrity value goes into every script node.
type Script struct {
	body      []byte
	integrity string
}

// NewScript is the embedded script.
func NewScript() Script {
	sum := sha512.Sum512(scriptJS)
	return Script{body: scriptJS, integrity: "sha512-" + base64.StdEncoding.EncodeToString(sum[:])}
}

// Integrity is the script node's integrity attribute ("sha512-<base64>").
func (s Script) Integrity() string { return s.integrity }

// ServeHTTP is GET /.well-known/ory/webauthn.js.
func (s Script) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=UTF-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(s.body) // the client went away: nothing left to tell it
}

// node is the webauthn_script node: async, no referrer, anonymous CORS,
// the script's integrity, and a fresh nonce per render (§3.5).
func (s Script) node(src string) ui.Node {
	return ui.NewScript(scriptNodeID, src, ui.GroupWebAuthn, s.integrity, uuid.NewString())
}
