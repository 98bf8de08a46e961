package webauthn

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"io"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/ui"
)

func TestPasswordless(t *testing.T) {
	e := newEnv(t, Options{Passwordless: true}, testSchema)
	d := newDevice()
	if c := e.registerKey(t, d, "passkey"); c.Completed == nil || c.Completed.AAL != session.AAL1 || !c.FactorChanged {
		t.Errorf("change %+v", c)
	}
	if cfg := e.store.config(t, e.user.ID); !cfg.Credentials[0].IsPasswordless {
		t.Fatal("a key registered in passwordless mode is not passwordless")
	}
	if e.method.AAL() != session.AAL1 {
		t.Errorf("AAL %s", e.method.AAL())
	}

	lf := e.loginFlow(t, flow.TypeBrowser, session.AAL1, false, nil)
	if got := nodeIDs(lf.UI); !slices.Equal(got, []string{"default/csrf_token", "default/identifier", "webauthn/method"}) {
		t.Fatalf("first step nodes %v", got)
	}
	ctx := context.Background()
	for _, tt := range []struct {
		body map[string]any
		want string
	}{
		{map[string]any{"method": "webauthn"}, "identifier:4000002"},
		{map[string]any{"method": "webauthn", "identifier": "nobody@example.org"}, ":4000015"},
	} {
		if _, err := e.method.Login(ctx, lf, tt.body, nil); formMessage(t, err) != tt.want {
			t.Errorf("%v: %v", tt.body, err)
		}
	}
	_, err := e.method.Login(ctx, lf, map[string]any{"method": "webauthn", "identifier": " KEY@example.org "}, nil)
	var step *login.ErrShowFlow
	if !errors.As(err, &step) {
		t.Fatalf("identifier step: %v", err)
	}
	want := []string{"default/csrf_token", "default/identifier", "webauthn/webauthn_login_trigger", "webauthn/webauthn_login",
		"webauthn/webauthn_script"}
	if got := nodeIDs(lf.UI); !slices.Equal(got, want) || len(lf.UI.Messages) != 1 || lf.UI.Messages[0].ID != 1010012 {
		t.Fatalf("second step nodes %v, messages %v", got, lf.UI.Messages)
	}
	if v := lf.UI.Find("identifier").Attributes.(*ui.InputAttributes); v.Type != ui.InputHidden || v.Value != testEmail {
		t.Errorf("identifier %+v", v)
	}
	i, err := e.method.Login(ctx, lf, map[string]any{"identifier": testEmail, loginInput: d.assert(t, options(t, lf.UI, loginTrigger))}, nil)
	if err != nil || i.ID != e.user.ID {
		t.Fatalf("passwordless login: %v", err)
	}

	// The last passwordless key of an identity without a password has no
	// remove button, and removing it anyway is refused on the field.
	stored, _ := e.store.FindIdentityByID(ctx, e.user.ID, true)
	delete(stored.Credentials, identity.CredentialsPassword)
	e.store.put(stored)
	f := e.settingsFlow(t, flow.TypeBrowser)
	if f.UI.Find(removeButton) != nil {
		t.Error("the only first factor is removable")
	}
	if got := formMessage(t, e.submit(t, f, map[string]any{removeButton: Credential{ID: d.cred.ID}.HexID()}, true)); got != "webauthn_remove:4000001" {
		t.Errorf("lock-out: %s", got)
	}
	if len(e.store.config(t, e.user.ID).Credentials) != 1 {
		t.Error("the last first factor was removed")
	}
}

func TestSecondFactorKeysDoNotSignInPasswordless(t *testing.T) {
	mfa := newEnv(t, Options{}, testSchema)
	d := newDevice()
	mfa.registerKey(t, d, "mfa")
	// The same store, now in passwordless mode: the MFA key is not a first factor.
	pl, err := New(mfa.store, mfa.method.schemas, Options{RPID: testRPID, RPDisplayName: "Warden Test", Origins: []string{testOrigin},
		Passwordless: true, Secret: "a-secret-of-some-length"})
	if err != nil {
		t.Fatal(err)
	}
	lf := &login.Flow{Base: flow.Base{Type: flow.TypeBrowser, UI: ui.NewContainer("x")}, RequestedAAL: session.AAL1}
	if _, err := pl.Login(context.Background(), lf, map[string]any{"identifier": testEmail}, nil); formMessage(t, err) != ":4000015" {
		t.Errorf("got %v", err)
	}
}

func TestNativeFlows(t *testing.T) {
	t.Run("off: API flows show nothing and answer 4010002", func(t *testing.T) {
		e := newEnv(t, Options{}, testSchema)
		e.registerKey(t, newDevice(), "k")
		if f := e.settingsFlow(t, flow.TypeAPI); len(f.UI.Nodes) != 0 {
			t.Errorf("settings nodes %v", nodeIDs(f.UI))
		}
		sess := &session.Session{IdentityID: e.user.ID}
		lf := e.loginFlow(t, flow.TypeAPI, session.AAL2, false, sess)
		if got := nodeIDs(lf.UI); !slices.Equal(got, []string{"default/csrf_token"}) {
			t.Errorf("login nodes %v", got)
		}
		if _, err := e.method.Login(context.Background(), lf, map[string]any{loginInput: "{}"}, sess); formMessage(t, err) != ":4010002" {
			t.Errorf("got %v", err)
		}
	})
	t.Run("on: options in the value, credential as JSON", func(t *testing.T) {
		e := newEnv(t, Options{NativeFlows: true}, testSchema)
		f := e.settingsFlow(t, flow.TypeAPI)
		want := []string{"webauthn/webauthn_register_displayname", "webauthn/webauthn_register_trigger", "webauthn/webauthn_register"}
		trig := f.UI.Find(registerTrigger).Attributes.(*ui.InputAttributes)
		if got := nodeIDs(f.UI); !slices.Equal(got, want) || trig.OnClick != "" || !strings.HasPrefix(trig.Value.(string), `{"publicKey":`) {
			t.Fatalf("nodes %v, trigger %+v", got, trig)
		}
		d := newDevice()
		var obj map[string]any
		mustUnmarshal(t, d.register(t, options(t, f.UI, registerTrigger)), &obj)
		if err := e.submit(t, f, map[string]any{registerInput: obj, registerName: "phone"}, true); err != nil {
			t.Fatal(err)
		}
		sess := &session.Session{IdentityID: e.user.ID}
		lf := e.loginFlow(t, flow.TypeAPI, session.AAL2, false, sess)
		mustUnmarshal(t, d.assert(t, options(t, lf.UI, loginTrigger)), &obj)
		if _, err := e.method.Login(context.Background(), lf, map[string]any{"method": "webauthn", loginInput: obj}, sess); err != nil {
			t.Fatal(err)
		}
	})
}

func TestScript(t *testing.T) {
	s := NewScript()
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", ScriptPath, nil))
	body, err := io.ReadAll(rec.Result().Body)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum512(body)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/javascript") ||
		s.Integrity() != "sha512-"+base64.StdEncoding.EncodeToString(sum[:]) {
		t.Errorf("%d %s %s", rec.Code, rec.Header().Get("Content-Type"), s.Integrity())
	}
	for _, name := range []string{"__oryWebAuthnLogin", "__oryWebAuthnRegistration", `name="webauthn_login"`, `name="webauthn_register"`,
		"navigator.credentials.get", "navigator.credentials.create"} {
		if !strings.Contains(string(body), name) {
			t.Errorf("the script lacks %s", name)
		}
	}
}

// TestPasswordlessRefresh: a refresh login knows the identity and shows
// its passwordless keys' options at once (no identifier step).
func TestPasswordlessRefresh(t *testing.T) {
	e := newEnv(t, Options{Passwordless: true}, testSchema)
	d := newDevice()
	e.registerKey(t, d, "passkey")
	sess := &session.Session{IdentityID: e.user.ID}
	lf := e.loginFlow(t, flow.TypeBrowser, session.AAL1, true, sess)
	want := []string{"default/csrf_token", "default/identifier", "webauthn/webauthn_login_trigger", "webauthn/webauthn_login",
		"webauthn/webauthn_script"}
	if got := nodeIDs(lf.UI); !slices.Equal(got, want) {
		t.Fatalf("refresh nodes %v", got)
	}
	if l := lf.UI.Find(loginTrigger).Meta.Label; l == nil || l.ID != 1010008 {
		t.Errorf("label %v", l)
	}
	i, err := e.method.Login(context.Background(), lf, map[string]any{"identifier": testEmail,
		loginInput: d.assert(t, options(t, lf.UI, loginTrigger))}, sess)
	if err != nil || i.ID != e.user.ID {
		t.Errorf("refresh login: %v", err)
	}
	// An aal2 flow is not this mode's.
	if f := e.loginFlow(t, flow.TypeBrowser, session.AAL2, false, sess); len(f.UI.Nodes) != 1 {
		t.Errorf("aal2 nodes in passwordless mode: %v", nodeIDs(f.UI))
	}
}
