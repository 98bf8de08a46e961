package webauthn

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/descope/virtualwebauthn"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/flow/settings"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/ui"
)

// nodeIDs lists "group/name" of a container's nodes.
func nodeIDs(c *ui.Container) []string {
	var out []string
	for _, n := range c.Nodes {
		out = append(out, string(n.Group)+"/"+n.Attributes.ID())
	}
	return out
}

// registerKey registers d through a browser settings flow.
func (e *env) registerKey(t *testing.T, d *device, name string) *settings.Update {
	t.Helper()
	f := e.settingsFlow(t, flow.TypeBrowser)
	resp := d.register(t, options(t, f.UI, registerTrigger))
	if err := e.submit(t, f, map[string]any{registerInput: resp, registerName: name}, true); err != nil {
		t.Fatalf("register %s: %v", name, err)
	}
	return e.updates[f.ID]
}

func mustUnmarshal(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatal(err)
	}
}

func TestRegisterThenLoginAsSecondFactor(t *testing.T) {
	e := newEnv(t, Options{}, testSchema)
	f := e.settingsFlow(t, flow.TypeBrowser)
	want := []string{"webauthn/webauthn_register_displayname", "webauthn/webauthn_register_trigger",
		"webauthn/webauthn_register", "webauthn/webauthn_script"}
	if got := nodeIDs(f.UI); !slices.Equal(got, want) {
		t.Fatalf("settings nodes %v", got)
	}
	trig := f.UI.Find(registerTrigger).Attributes.(*ui.InputAttributes)
	if !strings.HasPrefix(trig.OnClick, "window.__oryWebAuthnRegistration({") || !strings.Contains(trig.OnClick, "Warden Test") ||
		trig.Value != "" {
		t.Errorf("trigger %+v", trig)
	}

	d := newDevice()
	resp := d.register(t, options(t, f.UI, registerTrigger))
	if err := e.submit(t, f, map[string]any{registerInput: resp, registerName: "Yubi"}, true); err != nil {
		t.Fatal(err)
	}
	if up := e.updates[f.ID]; up.Completed == nil || up.Completed.Method != identity.CredentialsWebAuthn ||
		up.Completed.AAL != session.AAL2 || !up.FactorChanged {
		t.Errorf("update %+v", up)
	}
	cfg := e.store.config(t, e.user.ID)
	if len(cfg.Credentials) != 1 || cfg.Credentials[0].DisplayName != "Yubi" || cfg.Credentials[0].IsPasswordless ||
		string(cfg.UserHandle) != string(e.user.ID[:]) || !slices.Equal(cfg.Credentials[0].ID, d.cred.ID) {
		t.Fatalf("stored %+v", cfg)
	}
	stored, _ := e.store.FindIdentityByID(context.Background(), e.user.ID, true)
	if ids := stored.Credentials[identity.CredentialsWebAuthn].Identifiers; !slices.Equal(ids, []string{testEmail}) {
		t.Errorf("identifiers %v", ids)
	}
	if identity.AvailableAAL(stored.Credentials) != identity.AAL2 {
		t.Error("a registered key is not a second factor")
	}

	// The same response again (a replay into the same flow) adds nothing.
	if err := e.submit(t, f, map[string]any{registerInput: resp, registerName: "Again"}, true); err == nil ||
		!strings.Contains(formMessage(t, err), "registered already") {
		t.Errorf("replayed registration: %v", err)
	}

	// Login at aal2 with the session of the first factor.
	sess := &session.Session{IdentityID: e.user.ID}
	lf := e.loginFlow(t, flow.TypeBrowser, session.AAL2, false, sess)
	want = []string{"default/csrf_token", "default/identifier", "webauthn/webauthn_login_trigger",
		"webauthn/webauthn_login", "webauthn/webauthn_script"}
	if got := nodeIDs(lf.UI); !slices.Equal(got, want) {
		t.Fatalf("login nodes %v", got)
	}
	assertion := d.assert(t, options(t, lf.UI, loginTrigger))
	i, err := e.method.Login(context.Background(), lf, map[string]any{"method": "webauthn", loginInput: assertion}, sess)
	if err != nil || i.ID != e.user.ID {
		t.Fatalf("login: %v", err)
	}
	if got := e.store.config(t, e.user.ID).Credentials[0]; got.Authenticator.SignCount != d.cred.Counter || got.Flags == nil {
		t.Errorf("sign count %d (want %d), flags %v", got.Authenticator.SignCount, d.cred.Counter, got.Flags)
	}
	// A replayed assertion is refused, and writes nothing.
	edits := e.store.edits
	if _, err := e.method.Login(context.Background(), lf, map[string]any{loginInput: assertion}, sess); formMessage(t, err) != ":4000008" ||
		!errors.Is(err, login.ErrBadCredentials) || e.store.edits != edits {
		t.Errorf("replay: %v", err)
	}
}

func TestLoginRefusals(t *testing.T) {
	e := newEnv(t, Options{}, testSchema)
	d := newDevice()
	e.registerKey(t, d, "Yubi")
	sess := &session.Session{IdentityID: e.user.ID}

	other := newDevice() // a key nobody registered
	wrongOrigin := newDevice()
	wrongOrigin.cred, wrongOrigin.auth = d.cred, d.auth
	wrongOrigin.rp.Origin = "https://evil.example"

	tests := []struct {
		name string
		resp func(t *testing.T, opts string, lf *login.Flow) any
		want string
	}{
		{"malformed JSON", func(*testing.T, string, *login.Flow) any { return `{"id":` }, "status 400: Unable to parse WebAuthn response: "},
		{"not a credential", func(*testing.T, string, *login.Flow) any { return `{"id":"x","type":"public-key"}` },
			"status 400: Unable to parse WebAuthn response: "},
		{"wrong type", func(*testing.T, string, *login.Flow) any { return 5.0 }, "webauthn_login:4000001"},
		{"missing", func(*testing.T, string, *login.Flow) any { return "" }, "webauthn_login:4000002"},
		{"unknown key", func(t *testing.T, opts string, _ *login.Flow) any {
			o, err := virtualwebauthn.ParseAssertionOptions(opts)
			if err != nil {
				t.Fatal(err)
			}
			return virtualwebauthn.CreateAssertionResponse(other.rp, other.auth, other.cred, *o)
		}, ":4000008"},
		{"wrong origin", func(t *testing.T, opts string, _ *login.Flow) any { return wrongOrigin.assert(t, opts) }, ":4000008"},
		{"another flow's challenge", func(t *testing.T, _ string, _ *login.Flow) any {
			next := e.loginFlow(t, flow.TypeBrowser, session.AAL2, false, sess)
			return d.assert(t, options(t, next.UI, loginTrigger))
		}, ":4000008"},
		{"bad signature", func(t *testing.T, opts string, _ *login.Flow) any {
			forged := *d
			forged.cred.Key = other.cred.Key
			return forged.assert(t, opts)
		}, ":4000008"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lf := e.loginFlow(t, flow.TypeBrowser, session.AAL2, false, sess)
			before := e.store.config(t, e.user.ID)
			used := len(e.store.used)
			_, err := e.method.Login(context.Background(), lf, map[string]any{loginInput: tt.resp(t, options(t, lf.UI, loginTrigger), lf)}, sess)
			if err == nil {
				t.Fatal("accepted")
			}
			if got := formMessage(t, err); !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %q, want %q…", got, tt.want)
			}
			after := e.store.config(t, e.user.ID)
			if len(e.store.used) != used || after.Credentials[0].Authenticator.SignCount != before.Credentials[0].Authenticator.SignCount ||
				after.Credentials[0].Authenticator.CloneWarning {
				t.Error("a refused assertion wrote something")
			}
		})
	}
}

func TestLoginCloneWarning(t *testing.T) {
	e := newEnv(t, Options{}, testSchema)
	d := newDevice()
	e.registerKey(t, d, "Yubi")
	sess := &session.Session{IdentityID: e.user.ID}
	d.cred.Counter = 10
	lf := e.loginFlow(t, flow.TypeBrowser, session.AAL2, false, sess)
	if _, err := e.method.Login(context.Background(), lf, map[string]any{loginInput: d.assert(t, options(t, lf.UI, loginTrigger))}, sess); err != nil {
		t.Fatal(err)
	}
	// A clone replays the key with an older counter on a new flow.
	clone := *d
	clone.cred.Counter = 4
	lf = e.loginFlow(t, flow.TypeBrowser, session.AAL2, false, sess)
	_, err := e.method.Login(context.Background(), lf, map[string]any{loginInput: clone.assert(t, options(t, lf.UI, loginTrigger))}, sess)
	if formMessage(t, err) != ":4000008" || !errors.Is(err, errClone) {
		t.Fatalf("clone: %v", err)
	}
	got := e.store.config(t, e.user.ID).Credentials[0].Authenticator
	if !got.CloneWarning || got.SignCount != 11 {
		t.Errorf("authenticator %+v", got)
	}
	// The real key, counting on, still signs in.
	lf = e.loginFlow(t, flow.TypeBrowser, session.AAL2, false, sess)
	if _, err := e.method.Login(context.Background(), lf, map[string]any{loginInput: d.assert(t, options(t, lf.UI, loginTrigger))}, sess); err != nil {
		t.Errorf("after a clone warning: %v", err)
	}
}

func TestRegistrationRefusals(t *testing.T) {
	e := newEnv(t, Options{}, testSchema)
	d := newDevice()
	tests := []struct {
		name       string
		body       func(t *testing.T, f *settings.Flow) map[string]any
		privileged bool
		want       string
	}{
		{"no display name", func(t *testing.T, f *settings.Flow) map[string]any {
			return map[string]any{registerInput: d.register(t, options(t, f.UI, registerTrigger))}
		}, true, "webauthn_register_displayname:4000002"},
		{"malformed", func(*testing.T, *settings.Flow) map[string]any {
			return map[string]any{registerInput: "{", registerName: "x"}
		}, true, "status 400: Unable to parse WebAuthn response: "},
		{"parse error", func(*testing.T, *settings.Flow) map[string]any {
			return map[string]any{registerInput: `{"id":"a","rawId":"a","type":"public-key","response":{}}`, registerName: "x"}
		}, true, "status 400: Unable to parse WebAuthn response: Parse error for Registration"},
		{"another flow's challenge", func(t *testing.T, _ *settings.Flow) map[string]any {
			other := e.settingsFlow(t, flow.TypeBrowser)
			return map[string]any{registerInput: d.register(t, options(t, other.UI, registerTrigger)), registerName: "x"}
		}, true, "status 400: Unable to create WebAuthn credential: "},
		{"wrong origin", func(t *testing.T, f *settings.Flow) map[string]any {
			evil := *d
			evil.rp.Origin = "https://evil.example"
			return map[string]any{registerInput: evil.register(t, options(t, f.UI, registerTrigger)), registerName: "x"}
		}, true, "status 400: Unable to create WebAuthn credential: "},
		{"unprivileged", func(t *testing.T, f *settings.Flow) map[string]any {
			return map[string]any{registerInput: d.register(t, options(t, f.UI, registerTrigger)), registerName: "x"}
		}, false, "privileged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := e.settingsFlow(t, flow.TypeBrowser)
			err := e.submit(t, f, tt.body(t, f), tt.privileged)
			var pe *settings.PrivilegeError
			switch {
			case err == nil:
				t.Fatal("accepted")
			case tt.want == "privileged":
				if !errors.As(err, &pe) {
					t.Errorf("got %v", err)
				}
			case !strings.HasPrefix(formMessage(t, err), tt.want):
				t.Errorf("got %q, want %q…", formMessage(t, err), tt.want)
			}
			if len(e.store.config(t, e.user.ID).Credentials) != 0 {
				t.Error("a refused registration stored a key")
			}
		})
	}

	t.Run("no webauthn identifier", func(t *testing.T) {
		e := newEnv(t, Options{}, noIDSchema)
		f := e.settingsFlow(t, flow.TypeBrowser)
		err := e.submit(t, f, map[string]any{registerInput: d.register(t, options(t, f.UI, registerTrigger)), registerName: "x"}, true)
		if formMessage(t, err) != ":4000009" {
			t.Errorf("got %v", err)
		}
	})
}

func TestRemove(t *testing.T) {
	e := newEnv(t, Options{}, testSchema)
	foo, bar := newDevice(), newDevice()
	e.registerKey(t, foo, "foo")
	e.registerKey(t, bar, "bar")
	f := e.settingsFlow(t, flow.TypeBrowser)
	var removes []string
	for _, n := range f.UI.Nodes {
		if a, ok := n.Attributes.(*ui.InputAttributes); ok && a.Name == removeButton {
			removes = append(removes, a.Value.(string)+"="+n.Meta.Label.Text)
		}
	}
	if len(removes) != 2 || !strings.Contains(strings.Join(removes, ","), `Remove security key "bar"`) {
		t.Fatalf("remove buttons %v", removes)
	}
	for _, tt := range []struct{ id, want string }{
		{"00", "status 400: You tried to remove a WebAuthn credential which does not exist."},
		{"", "status 400: You tried to remove a WebAuthn credential which does not exist."},
	} {
		if got := formMessage(t, e.submit(t, f, map[string]any{removeButton: tt.id}, true)); got != tt.want {
			t.Errorf("%q: %s", tt.id, got)
		}
	}
	fooID := Credential{ID: foo.cred.ID}.HexID()
	if err := e.submit(t, f, map[string]any{removeButton: fooID}, true); err != nil {
		t.Fatal(err)
	}
	if up := e.updates[f.ID]; up.Completed != nil || !up.FactorChanged {
		t.Errorf("update %+v", up)
	}
	if cfg := e.store.config(t, e.user.ID); len(cfg.Credentials) != 1 || cfg.Credentials[0].DisplayName != "bar" {
		t.Errorf("after removing foo: %+v", cfg)
	}
	if err := e.submit(t, f, map[string]any{removeButton: Credential{ID: bar.cred.ID}.HexID()}, true); err != nil {
		t.Fatal(err)
	}
	stored, _ := e.store.FindIdentityByID(context.Background(), e.user.ID, true)
	if _, ok := stored.Credentials[identity.CredentialsWebAuthn]; ok || stored.Credentials[identity.CredentialsPassword].Config == nil {
		t.Errorf("after removing the last key: %v", stored.Credentials)
	}
	if got := formMessage(t, e.submit(t, f, map[string]any{removeButton: fooID}, true)); got !=
		"status 400: You tried to remove a WebAuthn but you have no WebAuthn set up." {
		t.Errorf("none left: %s", got)
	}
}
