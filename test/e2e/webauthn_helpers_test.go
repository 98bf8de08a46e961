package e2e

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/warden-id/warden/internal/method/webauthn"
)

// Helpers for the WebAuthn tests (issue 5): a virtual authenticator that
// answers the options a flow shows, as a browser with a security key would.

// key is a virtual security key for the compat relying party (rp.id
// localhost, origin http://localhost:4455).
type key struct {
	auth virtualwebauthn.Authenticator
	cred virtualwebauthn.Credential
	rp   virtualwebauthn.RelyingParty
}

func newKey() *key {
	k := &key{auth: virtualwebauthn.NewAuthenticator(), cred: newEC2Credential(),
		rp: virtualwebauthn.RelyingParty{ID: "localhost", Name: "Kratos Bench", Origin: uiBase}}
	k.auth.AddCredential(k.cred)
	return k
}

// hexID is the key's webauthn_remove value.
func (k *key) hexID() string { return webauthn.Credential{ID: k.cred.ID}.HexID() }

// create answers registration options.
func (k *key) create(t *testing.T, options string) string {
	t.Helper()
	o, err := virtualwebauthn.ParseAttestationOptions(options)
	if err != nil {
		t.Fatalf("attestation options %q: %v", options, err)
	}
	return virtualwebauthn.CreateAttestationResponse(k.rp, k.auth, k.cred, *o)
}

// get answers login options; the key's counter moves on.
func (k *key) get(t *testing.T, options string) string {
	t.Helper()
	o, err := virtualwebauthn.ParseAssertionOptions(options)
	if err != nil {
		t.Fatalf("assertion options %q: %v", options, err)
	}
	k.cred.Counter++
	return virtualwebauthn.CreateAssertionResponse(k.rp, k.auth, k.cred, *o)
}

// optionsOf is the options JSON a flow's trigger carries: the onclick
// argument (browser flows) or the value (native flows).
func optionsOf(t *testing.T, f map[string]any, trigger string) string {
	t.Helper()
	a := nodeOf(t, f, trigger)["attributes"].(map[string]any)
	if v, _ := a["value"].(string); v != "" {
		return v
	}
	click, _ := a["onclick"].(string)
	open := strings.IndexByte(click, '(')
	if open < 0 || !strings.HasSuffix(click, ")") {
		t.Fatalf("%s onclick %q", trigger, click)
	}
	return click[open+1 : len(click)-1]
}

// asObject is a JSON text as an object (the native clients' shape).
func asObject(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// browserSettings opens a browser settings flow and returns its id and JSON.
func (b *browser) browserSettings(s *Server) (string, map[string]any) {
	b.t.Helper()
	r := b.get(s.PublicURL + "/self-service/settings/browser")
	id := settingsFlowID(r.Header.Get("Location"))
	if r.Status != http.StatusSeeOther || id == "" {
		b.t.Fatalf("settings init: %d %s %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	got := b.get(s.PublicURL + "/self-service/settings/flows?id=" + id)
	if got.Status != 200 {
		b.t.Fatalf("settings fetch: %d %s", got.Status, got.Body)
	}
	return id, got.object(b.t)
}

// addKey registers k through a browser settings form; the answer is the
// 303 back to the settings UI.
func (b *browser) addKey(s *Server, k *key, name string) {
	b.t.Helper()
	id, f := b.browserSettings(s)
	r := b.postForm(s.PublicURL+"/self-service/settings?flow="+id, url.Values{"csrf_token": {csrfOf(b.t, f)},
		"webauthn_register":             {k.create(b.t, optionsOf(b.t, f, "webauthn_register_trigger"))},
		"webauthn_register_displayname": {name}})
	if r.Status != http.StatusSeeOther || settingsFlowID(r.Header.Get("Location")) != id {
		b.t.Fatalf("register %s: %d %s", name, r.Status, r.Header.Get("Location"))
	}
	if done := b.get(s.PublicURL + "/self-service/settings/flows?id=" + id).object(b.t); done["state"] != "success" {
		b.t.Fatalf("register %s: %v", name, done["ui"])
	}
}

// keysStored is the identity's stored security keys.
func keysStored(t *testing.T, s *Server, identityID string) []webauthn.Credential {
	t.Helper()
	raw := storedConfig(t, s, identityID, "webauthn")
	if raw == "" {
		return nil
	}
	cfg, err := webauthn.ParseConfig([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Credentials
}

// whoamiBrowser is the browser's session as whoami shows it (status, aal, AMR).
func (b *browser) whoami(s *Server) (int, string, string) {
	b.t.Helper()
	r := b.get(s.PublicURL+"/sessions/whoami", "Accept", "application/json")
	if r.Status != 200 {
		return r.Status, "", ""
	}
	o := r.object(b.t)
	var amrs []string
	for _, m := range o["authentication_methods"].([]any) {
		e := m.(map[string]any)
		amrs = append(amrs, toString(e["method"])+"/"+toString(e["aal"]))
	}
	return r.Status, toString(o["authenticator_assurance_level"]), strings.Join(amrs, ",")
}

// newEC2Credential is a P-256 credential whose public key encodes well.
// virtualwebauthn writes the coordinates with big.Int.Bytes, which drops
// leading zero bytes: one key in 128 would have a 31-byte coordinate and be
// refused (rightly) by the verifier, making tests fail at random.
func newEC2Credential() virtualwebauthn.Credential {
	for {
		c := virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2)
		k, err := x509.ParsePKCS8PrivateKey(c.Key.Data)
		if err != nil {
			panic(err)
		}
		if ec, ok := k.(*ecdsa.PrivateKey); ok && len(ec.X.Bytes()) == 32 && len(ec.Y.Bytes()) == 32 {
			return c
		}
	}
}
