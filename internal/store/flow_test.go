package store_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/login"
	"github.com/warden-id/warden/internal/flow/registration"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
)

// testBase is a browser flow whose csrf_token node holds a (masked) secret.
func testBase(typ flow.Type) flow.Base {
	now := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	id := uuid.New()
	c := ui.NewContainer("http://127.0.0.1:4433/self-service/login?flow=" + id.String())
	c.Nodes = append(c.Nodes,
		ui.NewInput(flow.CSRFNodeName, "SECRET-MASKED-TOKEN", ui.GroupDefault, ui.InputHidden, ui.Required()),
		ui.NewInput("identifier", "", ui.GroupDefault, ui.InputText, ui.Required(), ui.WithLabel(text.NewNodeLabelID())))
	c.Messages = []text.Message{text.NewLoginReAuth()}
	return flow.Base{ID: id, Type: typ, IssuedAt: now, ExpiresAt: now.Add(time.Hour),
		RequestURL: "http://127.0.0.1:4433/self-service/login/browser?return_to=http://localhost:4455/x",
		ReturnTo:   "http://localhost:4455/x", State: flow.StateChooseMethod, UI: c, CSRFTokenHash: "abc123"}
}

func TestLoginFlowRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := &login.Flow{Base: testBase(flow.TypeBrowser), Refresh: true, RequestedAAL: session.AAL2}
		if err := s.CreateLoginFlow(ctx, f); err != nil {
			t.Fatal(err)
		}
		// The caller's flow keeps its token (it is rendered after saving).
		if v := f.UI.Find(flow.CSRFNodeName).Attributes.(*ui.InputAttributes).Value; v != "SECRET-MASKED-TOKEN" {
			t.Fatalf("CreateLoginFlow changed the caller's csrf_token to %v", v)
		}
		got, err := s.GetLoginFlow(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v := got.UI.Find(flow.CSRFNodeName).Attributes.(*ui.InputAttributes).Value; v != "" {
			t.Errorf("stored csrf_token = %v, want \"\" (D16)", v)
		}
		if got.Type != flow.TypeBrowser || !got.Refresh || got.RequestedAAL != session.AAL2 || got.ReturnTo != f.ReturnTo ||
			got.RequestURL != f.RequestURL || got.CSRFTokenHash != "abc123" || got.State != flow.StateChooseMethod ||
			!got.IssuedAt.Equal(f.IssuedAt) || !got.ExpiresAt.Equal(f.ExpiresAt) || got.CreatedAt.IsZero() {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, f)
		}
		if len(got.UI.Messages) != 1 || got.UI.Messages[0].ID != text.IDLoginReAuth || len(got.UI.Nodes) != 2 {
			t.Errorf("ui = %+v", got.UI)
		}
		// Update stores new messages and the active method.
		got.UI.ResetMessages()
		got.UI.AddMessage("identifier", text.NewValidationRequired("identifier"))
		got.Active = "password"
		if err := s.UpdateLoginFlow(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, err := s.GetLoginFlow(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if again.Active != "password" || len(again.UI.Messages) != 0 || len(again.UI.Find("identifier").Messages) != 1 {
			t.Errorf("after update: %+v", again.UI)
		}
		// Unknown ids are 404s, for reads and writes.
		if _, err := s.GetLoginFlow(ctx, uuid.New()); !apierr.Is(err, http.StatusNotFound) {
			t.Errorf("get unknown: %v", err)
		}
		missing := &login.Flow{Base: testBase(flow.TypeAPI)}
		if err := s.UpdateLoginFlow(ctx, missing); !apierr.Is(err, http.StatusNotFound) {
			t.Errorf("update unknown: %v", err)
		}
		// A login flow is not a registration flow.
		if _, err := s.GetRegistrationFlow(ctx, f.ID); !apierr.Is(err, http.StatusNotFound) {
			t.Errorf("registration lookup of a login flow: %v", err)
		}
	})
}

func TestRegistrationFlowRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := &registration.Flow{Base: testBase(flow.TypeAPI)}
		if err := s.CreateRegistrationFlow(ctx, f); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetRegistrationFlow(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Type != flow.TypeAPI || got.UI.Action != f.UI.Action || got.UI.Find(flow.CSRFNodeName) == nil {
			t.Errorf("round trip: %+v", got)
		}
		got.UI.AddMessage("", text.NewDuplicateIdentifier())
		if err := s.UpdateRegistrationFlow(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, err := s.GetRegistrationFlow(ctx, f.ID)
		if err != nil || len(again.UI.Messages) != 2 {
			t.Errorf("after update: %v %+v", err, again)
		}
		if _, err := s.GetLoginFlow(ctx, f.ID); !apierr.Is(err, http.StatusNotFound) {
			t.Errorf("login lookup of a registration flow: %v", err)
		}
		// Another network does not see the flow.
		store.SetNID(s, uuid.New())
		if _, err := s.GetRegistrationFlow(ctx, f.ID); !apierr.Is(err, http.StatusNotFound) {
			t.Errorf("other network: %v", err)
		}
	})
}

func TestSelfServiceErrors(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := &flow.StoredError{Error: json.RawMessage(`{"code":403,"status":"Forbidden","message":"m"}`), CSRFTokenHash: "h"}
		if err := s.CreateError(ctx, e); err != nil {
			t.Fatal(err)
		}
		if e.ID == uuid.Nil || e.CreatedAt.IsZero() {
			t.Fatalf("CreateError did not set id/times: %+v", e)
		}
		got, err := s.ReadError(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		if err := json.Unmarshal(got.Error, &body); err != nil || body["code"] != 403.0 {
			t.Errorf("error = %s (%v)", got.Error, err)
		}
		if !got.WasSeen || got.SeenAt == nil || got.CSRFTokenHash != "h" {
			t.Errorf("read must mark seen: %+v", got)
		}
		var seen bool
		if err := store.DB(s).QueryRowContext(ctx, `SELECT was_seen FROM selfservice_errors WHERE id = $1`, e.ID).Scan(&seen); err != nil || !seen {
			t.Errorf("was_seen in the row = %v (%v)", seen, err)
		}
		if _, err := s.ReadError(ctx, uuid.New()); !apierr.Is(err, http.StatusNotFound) {
			t.Errorf("unknown: %v", err)
		}
	})
}

func TestLoginThrottleCounters(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
		window := 5 * time.Minute
		keys := []string{"identifier:x", "address:1.2.3.4"}
		// Concurrent failures are all counted (atomic upsert).
		var wg sync.WaitGroup
		errs := make(chan error, 10)
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- s.RecordLoginFailure(ctx, keys, now, window)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		counts, err := s.LoginFailures(ctx, append(keys, "identifier:other"), now.Add(time.Minute), window)
		if err != nil {
			t.Fatal(err)
		}
		if counts["identifier:x"] != 10 || counts["address:1.2.3.4"] != 10 || counts["identifier:other"] != 0 {
			t.Errorf("counts = %v", counts)
		}
		// After the window, the counter is gone, and the next failure starts
		// a new window at 1.
		later := now.Add(window + time.Second)
		if counts, err = s.LoginFailures(ctx, keys, later, window); err != nil || len(counts) != 0 {
			t.Errorf("after the window: %v %v", counts, err)
		}
		if err := s.RecordLoginFailure(ctx, keys[:1], later, window); err != nil {
			t.Fatal(err)
		}
		if counts, _ = s.LoginFailures(ctx, keys[:1], later, window); counts["identifier:x"] != 1 {
			t.Errorf("new window: %v", counts)
		}
		if err := s.ResetLoginFailures(ctx, keys[:1]); err != nil {
			t.Fatal(err)
		}
		if counts, _ = s.LoginFailures(ctx, keys[:1], later, window); len(counts) != 0 {
			t.Errorf("after reset: %v", counts)
		}
	})
}

// TestStoredUIHasNoCSRFSecret scans the raw column for the secret.
func TestStoredUIHasNoCSRFSecret(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := &login.Flow{Base: testBase(flow.TypeBrowser), RequestedAAL: session.AAL1}
		if err := s.CreateLoginFlow(ctx, f); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateLoginFlow(ctx, f); err != nil {
			t.Fatal(err)
		}
		var raw string
		if err := store.DB(s).QueryRowContext(ctx, `SELECT CAST(ui AS TEXT) FROM selfservice_login_flows WHERE id = $1`, f.ID).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(raw, "SECRET-MASKED-TOKEN") {
			t.Errorf("the ui column holds the CSRF token: %s", raw)
		}
	})
}
