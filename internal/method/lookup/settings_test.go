package lookup

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/settings"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
)

func settingsFlow(t *testing.T, s *Settings, i *identity.Identity) *settings.Flow {
	t.Helper()
	f := &settings.Flow{Base: flow.Base{ID: uuid.New(), Type: flow.TypeAPI, UI: ui.NewContainer("http://x/self-service/settings")},
		IdentityID: i.ID}
	pub := i.Public()
	f.Identity = &pub
	stored, err := s.m.store.FindIdentityByID(context.Background(), i.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PopulateSettings(context.Background(), f, &pub, stored.Credentials); err != nil {
		t.Fatal(err)
	}
	return f
}

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

// roundTrip stores and reloads the flow's ui as the store does (JSON).
func roundTrip(t *testing.T, f *settings.Flow) {
	t.Helper()
	raw, err := json.Marshal(f.UI)
	if err != nil {
		t.Fatal(err)
	}
	var c ui.Container
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	f.UI = &c
}

// shownCodes are the texts of the codes node's list.
func shownCodes(t *testing.T, f *settings.Flow) (string, []text.Message) {
	t.Helper()
	n := f.UI.Find(codesNode)
	if n == nil {
		t.Fatalf("no %s node in %v", codesNode, names(f.UI))
	}
	a := n.Attributes.(*ui.TextAttributes)
	if a.Text.ID != text.IDSettingsLookupSecretList || n.Meta.Label == nil || n.Meta.Label.ID != text.IDSettingsLookupSecretsLabel ||
		n.Group != ui.GroupLookupSecret {
		t.Errorf("codes node %+v", n)
	}
	raw, _ := json.Marshal(a.Text.Context["secrets"])
	var msgs []text.Message
	if err := json.Unmarshal(raw, &msgs); err != nil {
		t.Fatal(err)
	}
	return a.Text.Text, msgs
}

func TestSettingsPopulate(t *testing.T) {
	fx := newFixture(t, store.DialectSQLite)
	s := NewSettings(fx.m)
	with := fx.identityWith(t, "with@example.com", fx.hashedConfig(t, "aaaaaaaa"))
	without := fx.identityWith(t, "without@example.com", nil)
	// §11.9 item 93.
	if diff := cmp.Diff([]string{"lookup_secret_reveal", "lookup_secret_disable"}, names(settingsFlow(t, s, with).UI)); diff != "" {
		t.Errorf("with codes (-want +got):\n%s", diff)
	}
	f := settingsFlow(t, s, without)
	if diff := cmp.Diff([]string{"lookup_secret_regenerate"}, names(f.UI)); diff != "" {
		t.Errorf("without codes (-want +got):\n%s", diff)
	}
	n := f.UI.Nodes[0]
	if a := n.Attributes.(*ui.InputAttributes); a.Type != ui.InputSubmit || a.Value != "true" || n.Meta.Label.ID != text.IDSettingsLookupRegenerate ||
		n.Group != ui.GroupLookupSecret {
		t.Errorf("regenerate node %+v", n)
	}
}

var codeRE = regexp.MustCompile(`^[a-z0-9]{8}$`)

// TestSettingsRegenerateConfirm: items 97 and 99.
func TestSettingsRegenerateConfirm(t *testing.T) {
	fx := newFixture(t, store.DialectSQLite)
	s := NewSettings(fx.m)
	i := fx.identityWith(t, "r@example.com", fx.hashedConfig(t, "oldcode1"))
	ctx := context.Background()
	f := settingsFlow(t, s, i)

	// Confirm before regenerate: 400.
	_, err := s.Settings(ctx, submission(f, map[string]any{"lookup_secret_confirm": true}))
	if e := apierr.As(err); e == nil || e.Reason != "You must (re-)generate recovery backup codes before you can save them." {
		t.Fatalf("confirm first: %v", err)
	}

	up, err := s.Settings(ctx, submission(f, map[string]any{"lookup_secret_regenerate": "true"}))
	if err != nil || !up.ReturnToUI {
		t.Fatalf("regenerate: %+v %v", up, err)
	}
	if diff := cmp.Diff([]string{"lookup_secret_codes", "lookup_secret_confirm"}, names(f.UI)); diff != "" {
		t.Errorf("after regenerate (-want +got):\n%s", diff)
	}
	joined, msgs := shownCodes(t, f)
	var codes []string
	for _, m := range msgs {
		if m.ID != text.IDSettingsLookupSecret || m.Context["secret"] != m.Text || !codeRE.MatchString(m.Text) {
			t.Errorf("code message %+v", m)
		}
		codes = append(codes, m.Text)
	}
	if len(codes) != 12 || joined != strings.Join(codes, ", ") {
		t.Fatalf("codes %q / %v", joined, codes)
	}
	if n := f.UI.Find(confirmNode); n.Meta.Label.ID != text.IDSettingsLookupConfirm {
		t.Errorf("confirm node %+v", n)
	}

	// The flow is stored and read back before the confirm.
	roundTrip(t, f)
	up, err = s.Settings(ctx, submission(f, map[string]any{"lookup_secret_confirm": true}))
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := fx.st.FindIdentityByID(ctx, i.ID, true)
	next, err := up.Apply(stored.Credentials)
	if err != nil {
		t.Fatal(err)
	}
	c := next.Credentials[identity.CredentialsLookupSecret]
	if c.ID != uuid.Nil || c.Identifiers[0] != i.ID.String() {
		t.Errorf("credential %+v: want a new one identified by the identity id", c)
	}
	for _, code := range codes {
		if strings.Contains(string(c.Config), code) {
			t.Fatalf("config %s holds a code in plain text", c.Config)
		}
	}
	var cfg Config
	if err := json.Unmarshal(c.Config, &cfg); err != nil {
		t.Fatal(err)
	}
	if fx.h.find(cfg, codes[3]) != 3 || fx.h.find(cfg, "oldcode1") != -1 {
		t.Error("the stored codes are not the shown ones, or the old ones survived")
	}
	if identity.AvailableAAL(next.Credentials) != identity.AAL2 {
		t.Error("codes do not make aal2 available")
	}
}

// TestSettingsReveal: items 94 and 98 (reveal wins over regenerate and
// disable); unused codes are masked (D16), used ones show when.
func TestSettingsReveal(t *testing.T) {
	fx := newFixture(t, store.DialectSQLite)
	s := NewSettings(fx.m)
	i := fx.identityWith(t, "v@example.com", fx.hashedConfig(t, "aaaaaaaa", "bbbbbbbb"))
	ctx := context.Background()
	if _, err := fx.m.Login(ctx, aal2Flow(flow.TypeAPI), map[string]any{"lookup_secret": "bbbbbbbb"}, sessionOf(i)); err != nil {
		t.Fatal(err)
	}
	f := settingsFlow(t, s, i)
	up, err := s.Settings(ctx, submission(f, map[string]any{
		"lookup_secret_reveal": "true", "lookup_secret_regenerate": "true", "lookup_secret_disable": "true"}))
	if err != nil || !up.ReturnToUI {
		t.Fatalf("reveal: %+v %v", up, err)
	}
	if diff := cmp.Diff([]string{"lookup_secret_codes", "lookup_secret_disable", "lookup_secret_regenerate"}, names(f.UI)); diff != "" {
		t.Errorf("after reveal (-want +got):\n%s", diff)
	}
	joined, msgs := shownCodes(t, f)
	if joined != "********, used" || len(msgs) != 2 {
		t.Fatalf("shown %q %+v", joined, msgs)
	}
	if msgs[0].ID != text.IDSettingsLookupSecret || msgs[0].Context["masked"] != true {
		t.Errorf("unused code %+v", msgs[0])
	}
	if msgs[1].ID != text.IDSettingsLookupSecretUsed || !strings.HasPrefix(msgs[1].Text, "Secret was used at ") ||
		!strings.HasSuffix(msgs[1].Text, " +0000 UTC") || msgs[1].Context["used_at"] == nil {
		t.Errorf("used code %+v", msgs[1])
	}
	// A revealed list is not something to confirm.
	roundTrip(t, f)
	if _, err := s.Settings(ctx, submission(f, map[string]any{"lookup_secret_confirm": true})); err == nil {
		t.Error("confirm after reveal succeeded")
	}

	// Without codes: 400.
	none := fx.identityWith(t, "none@example.com", nil)
	_, err = s.Settings(ctx, submission(settingsFlow(t, s, none), map[string]any{"lookup_secret_reveal": true}))
	if e := apierr.As(err); e == nil || e.Reason != "Can not reveal lookup codes because you have none." {
		t.Errorf("reveal without codes: %v", err)
	}
}

// TestSettingsRevealKratosCodes: codes in Kratos's plain form are shown.
func TestSettingsRevealKratosCodes(t *testing.T) {
	fx := newFixture(t, store.DialectSQLite)
	s := NewSettings(fx.m)
	i := fx.identityWith(t, "k@example.com", json.RawMessage(`{"recovery_codes":[{"code":"plain111"},{"code":"plain222","used_at":"2021-08-17T11:32:39Z"}]}`))
	f := settingsFlow(t, s, i)
	if _, err := s.Settings(context.Background(), submission(f, map[string]any{"lookup_secret_reveal": true})); err != nil {
		t.Fatal(err)
	}
	joined, msgs := shownCodes(t, f)
	if joined != "plain111, used" || msgs[1].Text != "Secret was used at 2021-08-17 11:32:39 +0000 UTC" {
		t.Errorf("shown %q %+v", joined, msgs)
	}
}

// TestSettingsDisable: item 100.
func TestSettingsDisable(t *testing.T) {
	fx := newFixture(t, store.DialectSQLite)
	s := NewSettings(fx.m)
	i := fx.identityWith(t, "d@example.com", fx.hashedConfig(t, "aaaaaaaa"))
	f := settingsFlow(t, s, i)
	up, err := s.Settings(context.Background(), submission(f, map[string]any{"lookup_secret_disable": true, "lookup_secret_regenerate": true}))
	if err != nil || up.ReturnToUI {
		t.Fatalf("disable: %+v %v", up, err)
	}
	stored, _ := fx.st.FindIdentityByID(context.Background(), i.ID, true)
	next, err := up.Apply(stored.Credentials)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := next.Credentials[identity.CredentialsLookupSecret]; ok {
		t.Error("disable kept the codes")
	}
	if _, ok := next.Credentials[identity.CredentialsPassword]; !ok {
		t.Error("disable dropped the password")
	}
}

// TestSettingsChecks: items 95–96: CSRF, then privilege, for every action.
func TestSettingsChecks(t *testing.T) {
	fx := newFixture(t, store.DialectSQLite)
	s := NewSettings(fx.m)
	i := fx.identityWith(t, "c@example.com", fx.hashedConfig(t, "aaaaaaaa"))
	for _, flag := range []string{"lookup_secret_reveal", "lookup_secret_regenerate", "lookup_secret_confirm", "lookup_secret_disable"} {
		f := settingsFlow(t, s, i)
		before := names(f.UI)
		csrf := errors.New("csrf")
		sub := submission(f, map[string]any{flag: true})
		sub.Check = func() error { return csrf }
		if _, err := s.Settings(context.Background(), sub); !errors.Is(err, csrf) {
			t.Errorf("%s CSRF: %v", flag, err)
		}
		sub = submission(f, map[string]any{flag: true})
		sub.Privileged = false
		var pe *settings.PrivilegeError
		if _, err := s.Settings(context.Background(), sub); !errors.As(err, &pe) {
			t.Errorf("%s unprivileged: %v", flag, err)
		}
		if diff := cmp.Diff(before, names(f.UI)); diff != "" {
			t.Errorf("%s: a refused submission changed the nodes:\n%s", flag, diff)
		}
	}
}

func TestNewCodes(t *testing.T) {
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 50 {
		codes, err := newCodes()
		if err != nil {
			t.Fatal(err)
		}
		if len(codes) != 12 {
			t.Fatalf("%d codes", len(codes))
		}
		for _, c := range codes {
			if !codeRE.MatchString(c) || seen[c] {
				t.Fatalf("code %q bad or repeated", c)
			}
			seen[c] = true
			for _, r := range c {
				counts[r]++
			}
		}
	}
	if len(counts) != 36 {
		t.Errorf("only %d of 36 characters used in 4800", len(counts))
	}
}

// TestSettingsResults: confirm proves the codes (Completed, aal2) and
// changes a factor, disable changes one; reveal and regenerate (which store
// nothing) do neither; the flow that follows a success, populated with the
// credentials as the update leaves them, shows the codes so.
func TestSettingsResults(t *testing.T) {
	fx := newFixture(t, store.DialectSQLite)
	s := NewSettings(fx.m)
	i := fx.identityWith(t, "ch@example.com", nil)
	ctx := context.Background()
	f := settingsFlow(t, s, i)
	next := func(up *settings.Update) []string {
		t.Helper()
		stored, err := fx.st.FindIdentityByID(ctx, i.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		after, err := up.Apply(stored.Credentials)
		if err != nil {
			t.Fatal(err)
		}
		n := &settings.Flow{Base: flow.Base{ID: uuid.New(), Type: flow.TypeAPI, UI: ui.NewContainer("x"),
			RequestURL: "http://x/self-service/settings?flow=" + f.ID.String()}, IdentityID: i.ID, Identity: f.Identity}
		if err := s.PopulateSettings(ctx, n, f.Identity, after.Credentials); err != nil {
			t.Fatal(err)
		}
		return names(n.UI)
	}
	up, err := s.Settings(ctx, submission(f, map[string]any{"lookup_secret_regenerate": true}))
	if err != nil {
		t.Fatal(err)
	}
	if !up.ReturnToUI || up.Completed != nil || up.FactorChanged {
		t.Errorf("regenerate: %+v", up)
	}
	up, err = s.Settings(ctx, submission(f, map[string]any{"lookup_secret_confirm": true}))
	if err != nil {
		t.Fatal(err)
	}
	if up.Completed == nil || up.Completed.Method != identity.CredentialsLookupSecret || up.Completed.AAL != "aal2" || !up.FactorChanged {
		t.Errorf("confirm: completed %+v, factor changed %v", up.Completed, up.FactorChanged)
	}
	if diff := cmp.Diff([]string{"lookup_secret_reveal", "lookup_secret_disable"}, next(up)); diff != "" {
		t.Errorf("after confirm (-want +got):\n%s", diff)
	}
	up, err = s.Settings(ctx, submission(f, map[string]any{"lookup_secret_disable": true}))
	if err != nil {
		t.Fatal(err)
	}
	if up.Completed != nil || !up.FactorChanged {
		t.Errorf("disable: completed %+v, factor changed %v", up.Completed, up.FactorChanged)
	}
	if diff := cmp.Diff([]string{"lookup_secret_regenerate"}, next(up)); diff != "" {
		t.Errorf("after disable (-want +got):\n%s", diff)
	}
}
