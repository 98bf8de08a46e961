package totp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/settings"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
)

// settingsFlow is a new settings flow of typ for i, populated by s.
func settingsFlow(t *testing.T, s *Settings, i *identity.Identity, typ flow.Type, csrfHash string) *settings.Flow {
	t.Helper()
	f := &settings.Flow{Base: flow.Base{ID: uuid.New(), Type: typ, CSRFTokenHash: csrfHash,
		UI: ui.NewContainer("http://x/self-service/settings")}, IdentityID: i.ID}
	pub := i.Public()
	f.Identity = &pub
	if err := s.PopulateSettings(context.Background(), f, &pub, storedCreds(t, s, i.ID)); err != nil {
		t.Fatal(err)
	}
	return f
}

// storedCreds are the identity's credentials as stored.
func storedCreds(t *testing.T, s *Settings, id uuid.UUID) map[identity.CredentialsType]identity.Credentials {
	t.Helper()
	stored, err := s.m.store.FindIdentityByID(context.Background(), id, true)
	if err != nil {
		t.Fatal(err)
	}
	return stored.Credentials
}

// submission is a privileged submission of body to f that passes CSRF.
func submission(f *settings.Flow, body map[string]any) *settings.Submission {
	return &settings.Submission{Flow: f, Identity: f.Identity, Body: body, Privileged: true, Check: func() error { return nil }}
}

func names(c *ui.Container) []string {
	var out []string
	for _, n := range c.Nodes {
		out = append(out, n.Attributes.ID())
	}
	return out
}

// apply runs an update's Apply on i's stored credentials.
func apply(t *testing.T, fx *fixture, i *identity.Identity, up *settings.Update) *identity.Identity {
	t.Helper()
	stored, err := fx.st.FindIdentityByID(context.Background(), i.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	next, err := up.Apply(stored.Credentials)
	if err != nil {
		t.Fatal(err)
	}
	if next.Traits != nil {
		t.Errorf("Apply changed traits: %s", next.Traits)
	}
	return next
}

func TestPopulateSettings(t *testing.T) {
	fx := newFixture(t)
	s := NewSettings(fx.m)
	with := fx.identityWith(t, "with@example.com", testKey(t))
	without := fx.identityWith(t, "without@example.com", nil)

	// §11.7 item 72: with a device, only the unlink button.
	f := settingsFlow(t, s, with, flow.TypeAPI, "")
	if diff := cmp.Diff([]string{"totp_unlink"}, names(f.UI)); diff != "" {
		t.Errorf("with a device (-want +got):\n%s", diff)
	}
	a := f.UI.Nodes[0].Attributes.(*ui.InputAttributes)
	if a.Type != ui.InputSubmit || a.Value != "true" || !a.Required || f.UI.Nodes[0].Meta.Label.ID != text.IDSettingsTOTPUnlink {
		t.Errorf("unlink node %+v", f.UI.Nodes[0])
	}

	// Item 73: without, QR, secret, code, submit.
	f = settingsFlow(t, s, without, flow.TypeAPI, "")
	if diff := cmp.Diff([]string{"totp_qr", "totp_secret_key", "totp_code", "method"}, names(f.UI)); diff != "" {
		t.Errorf("without a device (-want +got):\n%s", diff)
	}
	img := f.UI.Nodes[0].Attributes.(*ui.ImageAttributes)
	if !strings.HasPrefix(img.Src, "data:image/png;base64,") || img.Width != 256 || img.Height != 256 ||
		f.UI.Nodes[0].Meta.Label.ID != text.IDSettingsTOTPQRCode {
		t.Errorf("qr node %+v %+v", img, f.UI.Nodes[0].Meta)
	}
	txt := f.UI.Nodes[1].Attributes.(*ui.TextAttributes)
	if txt.Text.ID != text.IDSettingsTOTPSecret || txt.Text.Context["secret"] != txt.Text.Text || len(txt.Text.Text) != 32 ||
		f.UI.Nodes[1].Meta.Label.ID != text.IDSettingsTOTPSecretLabel {
		t.Errorf("secret node %+v %+v", txt, f.UI.Nodes[1].Meta)
	}
	code := f.UI.Nodes[2]
	if a := code.Attributes.(*ui.InputAttributes); a.Type != ui.InputText || !a.Required || code.Meta.Label.ID != text.IDNodeLabelVerifyCode {
		t.Errorf("code node %+v", code)
	}
	if a := f.UI.Nodes[3].Attributes.(*ui.InputAttributes); a.Value != "totp" || f.UI.Nodes[3].Meta.Label.ID != text.IDNodeLabelSave {
		t.Errorf("method node %+v", f.UI.Nodes[3])
	}
}

// TestPendingKeyReuse: a browser sees its pending key (and QR) again, so
// the QR is rendered once per browser; another browser, an API flow, or a
// changed account name gets a new key.
func TestPendingKeyReuse(t *testing.T) {
	fx := newFixture(t)
	s := NewSettings(fx.m)
	i := fx.identityWith(t, "a@example.com", nil)
	secret := func(f *settings.Flow) string { return pendingSecret(f.UI) }
	first := settingsFlow(t, s, i, flow.TypeBrowser, "browser-1")
	if got := secret(settingsFlow(t, s, i, flow.TypeBrowser, "browser-1")); got != secret(first) {
		t.Errorf("same browser: a new key")
	}
	if got := secret(settingsFlow(t, s, i, flow.TypeBrowser, "browser-2")); got == secret(first) {
		t.Errorf("another browser sees the first browser's pending key")
	}
	if a, b := secret(settingsFlow(t, s, i, flow.TypeAPI, "")), secret(settingsFlow(t, s, i, flow.TypeAPI, "")); a == b {
		t.Errorf("API flows share a pending key")
	}
	// The flow that follows a success of an API flow shows that flow's key.
	api := settingsFlow(t, s, i, flow.TypeAPI, "")
	next := &settings.Flow{Base: flow.Base{ID: uuid.New(), Type: flow.TypeAPI, UI: ui.NewContainer("x"),
		RequestURL: "http://x/self-service/settings?flow=" + api.ID.String()}, IdentityID: i.ID, Identity: api.Identity}
	if err := s.PopulateSettings(context.Background(), next, api.Identity, nil); err != nil {
		t.Fatal(err)
	}
	if secret(next) != secret(api) {
		t.Errorf("the flow after a success shows a new key")
	}
	other := &settings.Flow{Base: flow.Base{ID: uuid.New(), Type: flow.TypeAPI, UI: ui.NewContainer("x"),
		RequestURL: "http://x/self-service/settings/api"}, IdentityID: i.ID, Identity: api.Identity}
	if err := s.PopulateSettings(context.Background(), other, api.Identity, nil); err != nil {
		t.Fatal(err)
	}
	if secret(other) == secret(api) {
		t.Errorf("a new API flow shows another flow's key")
	}
	renamed := *i
	renamed.Traits = json.RawMessage(`{"email":"b@example.com"}`)
	if got := secret(settingsFlow(t, s, &renamed, flow.TypeBrowser, "browser-1")); got == secret(first) {
		t.Errorf("the account name changed but the pending key stayed")
	}
	fx.clk.t = fx.clk.t.Add(pendingTTL + time.Second)
	if got := secret(settingsFlow(t, s, &renamed, flow.TypeBrowser, "browser-1")); got == secret(first) {
		t.Errorf("an expired pending key was shown again")
	}
}

func TestSettingsLink(t *testing.T) {
	fx := newFixture(t)
	s := NewSettings(fx.m)
	i := fx.identityWith(t, "link@example.com", nil)
	f := settingsFlow(t, s, i, flow.TypeAPI, "")
	key, err := newKeyWithSecret("Warden Test", "link@example.com", pendingSecret(f.UI))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// Item 78: a wrong code, a missing code: messages on totp_code, no
	// credential.
	for name, tt := range map[string]struct {
		body map[string]any
		want string
	}{
		"missing": {map[string]any{"method": "totp"}, "totp_code: Property totp_code is missing."},
		"wrong":   {map[string]any{"method": "totp", "totp_code": "abc"}, "totp_code: The provided authentication code is invalid, please try again."},
		"unlink without a device": {map[string]any{"method": "totp", "totp_unlink": true},
			"totp_code: Property totp_code is missing."},
		"bad unlink flag": {map[string]any{"totp_unlink": "maybe"}, "totp_unlink: expected boolean, but got string"},
	} {
		_, err := s.Settings(ctx, submission(f, tt.body))
		var fe *flow.FormError
		if !errors.As(err, &fe) || len(fe.Messages) != 1 || fe.Messages[0].Field+": "+fe.Messages[0].Message.Text != tt.want {
			t.Errorf("%s: err = %v, want %q", name, err, tt.want)
		}
	}

	// Item 79: the right code stores the displayed secret with the
	// account-name trait; the code's step is spent.
	code := codeAt(t, key, fx.clk.t)
	up, err := s.Settings(ctx, submission(f, map[string]any{"method": "totp", "totp_code": code}))
	if err != nil {
		t.Fatal(err)
	}
	next := apply(t, fx, i, up)
	c := next.Credentials[identity.CredentialsTOTP]
	var cfg Config
	if err := json.Unmarshal(c.Config, &cfg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cfg.TOTPURL, "secret="+key.Secret()) || !strings.Contains(cfg.TOTPURL, "link@example.com") ||
		!strings.Contains(cfg.TOTPURL, "issuer=Warden%20Test") || c.Identifiers[0] != i.ID.String() || c.ID == uuid.Nil {
		t.Errorf("credential %+v %s", c, c.Config)
	}
	if _, ok := next.Credentials[identity.CredentialsPassword]; !ok {
		t.Error("linking dropped the password credential")
	}
	if ok, err := fx.st.RecordTOTPStep(ctx, i.ID, c.ID, stepOf(fx.clk.t)); err != nil || ok {
		t.Errorf("the linking code's step is not spent: %v %v", ok, err)
	}
}

func TestSettingsUnlinkAndNoop(t *testing.T) {
	fx := newFixture(t)
	s := NewSettings(fx.m)
	i := fx.identityWith(t, "u@example.com", testKey(t))
	f := settingsFlow(t, s, i, flow.TypeAPI, "")
	ctx := context.Background()

	// D9: method=totp with a device and no unlink changes nothing.
	up, err := s.Settings(ctx, submission(f, map[string]any{"method": "totp", "totp_code": "123456"}))
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := fx.st.FindIdentityByID(ctx, i.ID, true)
	if next := apply(t, fx, i, up); !cmp.Equal(next.Credentials, stored.Credentials) {
		t.Errorf("no-op changed credentials:\n%s", cmp.Diff(stored.Credentials, next.Credentials))
	}

	// Item 77: unlink removes the credential, and only it.
	for _, v := range []any{true, "true"} {
		up, err = s.Settings(ctx, submission(f, map[string]any{"totp_unlink": v}))
		if err != nil {
			t.Fatal(err)
		}
		next := apply(t, fx, i, up)
		if _, ok := next.Credentials[identity.CredentialsTOTP]; ok {
			t.Errorf("unlink (%v) kept the credential", v)
		}
		if _, ok := next.Credentials[identity.CredentialsPassword]; !ok {
			t.Errorf("unlink (%v) dropped the password", v)
		}
	}
}

// TestSettingsChecks: items 74–76 — the submission's CSRF rules run first,
// then the privilege check; nothing is written by a refused submission.
func TestSettingsChecks(t *testing.T) {
	fx := newFixture(t)
	s := NewSettings(fx.m)
	i := fx.identityWith(t, "c@example.com", testKey(t))
	f := settingsFlow(t, s, i, flow.TypeAPI, "")
	csrf := errors.New("csrf")
	sub := submission(f, map[string]any{"totp_unlink": true})
	sub.Check = func() error { return csrf }
	if _, err := s.Settings(context.Background(), sub); !errors.Is(err, csrf) {
		t.Errorf("CSRF: err = %v", err)
	}
	sub = submission(f, map[string]any{"totp_unlink": true})
	sub.Privileged = false
	var pe *settings.PrivilegeError
	if _, err := s.Settings(context.Background(), sub); !errors.As(err, &pe) {
		t.Errorf("unprivileged: err = %v, want a PrivilegeError", err)
	}
}

// TestSettingsNoPendingKey: a flow made while the identity had a device
// shows no key; once the device is gone, a code for it is a 400, not 500.
func TestSettingsNoPendingKey(t *testing.T) {
	fx := newFixture(t)
	s := NewSettings(fx.m)
	i := fx.identityWith(t, "n@example.com", testKey(t))
	f := settingsFlow(t, s, i, flow.TypeAPI, "")
	stored, _ := fx.st.FindIdentityByID(context.Background(), i.ID, true)
	delete(stored.Credentials, identity.CredentialsTOTP)
	if err := fx.st.UpdateIdentity(context.Background(), stored); err != nil {
		t.Fatal(err)
	}
	_, err := s.Settings(context.Background(), submission(f, map[string]any{"method": "totp", "totp_code": "123456"}))
	if e := apierr.As(err); e == nil || e.StatusCode() != http.StatusBadRequest {
		t.Fatalf("err = %v, want a 400", err)
	}
}

// TestSettingsResults: a link proves the device (Completed, aal2) and
// changes a factor, an unlink changes one, a no-op and a refused
// submission do neither; the flow that follows a success, populated with
// the credentials as the update leaves them, shows the device so.
func TestSettingsResults(t *testing.T) {
	fx := newFixture(t)
	s := NewSettings(fx.m)
	i := fx.identityWith(t, "ch@example.com", nil)
	ctx := context.Background()
	f := settingsFlow(t, s, i, flow.TypeAPI, "")
	next := func(who *identity.Identity, up *settings.Update) []string {
		t.Helper()
		after := apply(t, fx, who, up)
		n := &settings.Flow{Base: flow.Base{ID: uuid.New(), Type: flow.TypeAPI, UI: ui.NewContainer("x"),
			RequestURL: "http://x/self-service/settings?flow=" + f.ID.String()}, IdentityID: who.ID, Identity: f.Identity}
		if err := s.PopulateSettings(ctx, n, f.Identity, after.Credentials); err != nil {
			t.Fatal(err)
		}
		return names(n.UI)
	}

	if up, err := s.Settings(ctx, submission(f, map[string]any{"method": "totp", "totp_code": "000000x"})); err == nil {
		t.Fatalf("bad code accepted: %+v", up)
	}
	key, err := newKeyWithSecret("Warden Test", "ch@example.com", pendingSecret(f.UI))
	if err != nil {
		t.Fatal(err)
	}
	up, err := s.Settings(ctx, submission(f, map[string]any{"method": "totp", "totp_code": codeAt(t, key, fx.clk.t)}))
	if err != nil {
		t.Fatal(err)
	}
	if up.Completed == nil || up.Completed.Method != identity.CredentialsTOTP || up.Completed.AAL != "aal2" || !up.FactorChanged {
		t.Errorf("link: completed %+v, factor changed %v", up.Completed, up.FactorChanged)
	}
	if diff := cmp.Diff([]string{"totp_unlink"}, next(i, up)); diff != "" {
		t.Errorf("the flow after a link (-want +got):\n%s", diff)
	}

	with := fx.identityWith(t, "ch2@example.com", key)
	f = settingsFlow(t, s, with, flow.TypeAPI, "")
	up, err = s.Settings(ctx, submission(f, map[string]any{"method": "totp"}))
	if err != nil {
		t.Fatal(err)
	}
	if up.Completed != nil || up.FactorChanged {
		t.Errorf("a no-op: completed %+v, factor changed %v", up.Completed, up.FactorChanged)
	}
	up, err = s.Settings(ctx, submission(f, map[string]any{"totp_unlink": true}))
	if err != nil {
		t.Fatal(err)
	}
	if up.Completed != nil || !up.FactorChanged {
		t.Errorf("unlink: completed %+v, factor changed %v", up.Completed, up.FactorChanged)
	}
	if got := next(with, up); len(got) != 4 || got[0] != qrNode {
		t.Errorf("the flow after an unlink: %v", got)
	}
}
