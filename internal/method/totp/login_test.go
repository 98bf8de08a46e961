package totp

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
)

func nodeNames(c *ui.Container) []string {
	var out []string
	for _, n := range c.Nodes {
		out = append(out, string(n.Group)+":"+n.Attributes.ID())
	}
	return out
}

func TestPopulateLogin(t *testing.T) {
	fx := newFixture(t)
	with := fx.identityWith(t, "with@example.com", testKey(t))
	without := fx.identityWith(t, "without@example.com", nil)
	tests := []struct {
		name string
		aal  session.AAL
		sess *session.Session
		want []string
	}{
		{"aal2 with a device", session.AAL2, sessionOf(with), []string{"totp:totp_code", "totp:method"}},
		{"aal2 without a device", session.AAL2, sessionOf(without), nil},
		{"aal1 flow", session.AAL1, sessionOf(with), nil},
		{"no session", session.AAL2, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := aal2Flow(flow.TypeAPI)
			f.RequestedAAL = tt.aal
			if err := fx.m.PopulateLogin(context.Background(), f, tt.sess); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, nodeNames(f.UI)); diff != "" {
				t.Errorf("nodes (-want +got):\n%s", diff)
			}
		})
	}
	// The input is Kratos's: value "", required, label 1010006; the button
	// has label 1010009.
	f := aal2Flow(flow.TypeAPI)
	if err := fx.m.PopulateLogin(context.Background(), f, sessionOf(with)); err != nil {
		t.Fatal(err)
	}
	in := f.UI.Nodes[0].Attributes.(*ui.InputAttributes)
	if in.Value != "" || !in.Required || in.Type != ui.InputText || f.UI.Nodes[0].Meta.Label.ID != text.IDLoginTOTPLabel {
		t.Errorf("totp_code node = %+v %+v", in, f.UI.Nodes[0].Meta)
	}
	if f.UI.Nodes[1].Meta.Label.ID != text.IDLoginTOTP || f.UI.Nodes[1].Attributes.(*ui.InputAttributes).Value != "totp" {
		t.Errorf("method node = %+v", f.UI.Nodes[1])
	}
}

// formMessages flattens a *flow.FormError into "field: id".
func formMessages(t *testing.T, err error) []string {
	t.Helper()
	var fe *flow.FormError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v (%T), want a *flow.FormError", err, err)
	}
	var out []string
	for _, m := range fe.Messages {
		out = append(out, m.Field+": "+m.Message.Text)
	}
	return out
}

func TestLoginInput(t *testing.T) {
	fx := newFixture(t)
	key := testKey(t)
	i := fx.identityWith(t, "a@example.com", key)
	tests := []struct {
		name string
		body map[string]any
		want []string
		bad  bool // counts towards the throttle
	}{
		{"missing", map[string]any{"method": "totp"}, []string{"totp_code: Property totp_code is missing."}, false},
		{"empty", map[string]any{"totp_code": ""}, []string{"totp_code: Property totp_code is missing."}, false},
		{"not a string", map[string]any{"totp_code": true}, []string{"totp_code: expected string, but got boolean"}, false},
		{"too short", map[string]any{"totp_code": "12345"}, []string{"totp_code: length must be >= 6, but got 5"}, false},
		{"too long", map[string]any{"totp_code": "1234567"}, []string{": The provided authentication code is invalid, please try again."}, true},
		{"letters", map[string]any{"totp_code": "abcdef"}, []string{": The provided authentication code is invalid, please try again."}, true},
		{"wrong", map[string]any{"totp_code": wrongCode6(t, key, fx.clk.t)}, []string{": The provided authentication code is invalid, please try again."}, true},
		{"two steps late", map[string]any{"totp_code": codeAt(t, key, fx.clk.t.Add(-60*time.Second))},
			[]string{": The provided authentication code is invalid, please try again."}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := aal2Flow(flow.TypeAPI)
			_, err := fx.m.Login(context.Background(), f, tt.body, sessionOf(i))
			if diff := cmp.Diff(tt.want, formMessages(t, err)); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
			if got := errors.Is(err, login.ErrBadCredentials); got != tt.bad {
				t.Errorf("ErrBadCredentials = %v, want %v", got, tt.bad)
			}
		})
	}
	// Nothing was written: the current code is still good once.
	if _, err := fx.m.Login(context.Background(), aal2Flow(flow.TypeAPI),
		map[string]any{"totp_code": codeAt(t, key, fx.clk.t)}, sessionOf(i)); err != nil {
		t.Fatalf("a good code after bad input: %v", err)
	}
}

// wrongCode6 is a six-digit code that is none of the three accepted ones.
func wrongCode6(t *testing.T, k interface{ Secret() string }, now time.Time) string {
	t.Helper()
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		if _, ok := matchStep(k.Secret(), c, now); !ok {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

func TestLoginAcceptsOncePerStep(t *testing.T) {
	fx := newFixture(t)
	key := testKey(t)
	i := fx.identityWith(t, "a@example.com", key)
	ctx := context.Background()
	login1 := func(code string) error {
		got, err := fx.m.Login(ctx, aal2Flow(flow.TypeBrowser), map[string]any{"totp_code": code}, sessionOf(i))
		if err == nil && got.ID != i.ID {
			t.Fatalf("Login returned identity %s, want %s", got.ID, i.ID)
		}
		return err
	}
	now := fx.clk.t
	if err := login1(codeAt(t, key, now.Add(-30*time.Second))); err != nil {
		t.Fatalf("code of the previous step (skew): %v", err)
	}
	if err := login1(codeAt(t, key, now)); err != nil {
		t.Fatalf("code of the current step: %v", err)
	}
	wantReplay := []string{": The provided authentication code is invalid, please try again."}
	if diff := cmp.Diff(wantReplay, formMessages(t, login1(codeAt(t, key, now)))); diff != "" {
		t.Errorf("replay of the current step (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantReplay, formMessages(t, login1(codeAt(t, key, now.Add(-30*time.Second))))); diff != "" {
		t.Errorf("an older step after a newer one (-want +got):\n%s", diff)
	}
	// The next step is good, also when the clock has not reached it yet.
	if err := login1(codeAt(t, key, now.Add(30*time.Second))); err != nil {
		t.Fatalf("code of the next step (skew): %v", err)
	}
	fx.clk.t = now.Add(30 * time.Second)
	if err := login1(codeAt(t, key, fx.clk.t)); err == nil {
		t.Fatal("the next step's code was accepted twice")
	}
}

func TestLoginNoDevice(t *testing.T) {
	fx := newFixture(t)
	i := fx.identityWith(t, "a@example.com", nil)
	_, err := fx.m.Login(context.Background(), aal2Flow(flow.TypeAPI), map[string]any{"totp_code": "123456"}, sessionOf(i))
	if diff := cmp.Diff([]string{": You have no TOTP device set up."}, formMessages(t, err)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if errors.Is(err, login.ErrBadCredentials) {
		t.Error("no device counted as a wrong secret")
	}
}

func TestLoginNeedsSession(t *testing.T) {
	fx := newFixture(t)
	_, err := fx.m.Login(context.Background(), aal2Flow(flow.TypeAPI), map[string]any{"totp_code": "123456"}, nil)
	if e := apierr.As(err); e == nil || e.StatusCode() != http.StatusUnauthorized || e.ID != "session_aal1_required" {
		t.Fatalf("err = %v, want 401 session_aal1_required", err)
	}
}

func TestLoginDoesNotEchoCode(t *testing.T) {
	fx := newFixture(t)
	key := testKey(t)
	i := fx.identityWith(t, "a@example.com", key)
	f := aal2Flow(flow.TypeAPI)
	if err := fx.m.PopulateLogin(context.Background(), f, sessionOf(i)); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.m.Login(context.Background(), f, map[string]any{"totp_code": "000000x"}, sessionOf(i)); err == nil {
		t.Fatal("bad code accepted")
	}
	if v := f.UI.Find(codeNode).Attributes.(*ui.InputAttributes).Value; v != nil {
		t.Errorf("totp_code value after an error = %#v, want none", v)
	}
}
