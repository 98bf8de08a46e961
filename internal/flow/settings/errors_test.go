package settings

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/text"
)

// The settings error writer (settings-flow §2.6), checklist §11.2 items
// 19–33. Each test hands an error to the writer as a submission would.

const submitTarget = "/self-service/settings?flow="

// htmlReq is a browser form post; jsonReq an SPA request.
func htmlReq(f *Flow) *http.Request {
	id := uuid.Nil.String()
	if f != nil {
		id = f.ID.String()
	}
	r := request("POST", submitTarget+id, "user", "")
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func jsonReq(f *Flow) *http.Request {
	id := uuid.Nil.String()
	if f != nil {
		id = f.ID.String()
	}
	return request("POST", submitTarget+id, "user", "", "Accept", "application/json")
}

func (hs *harness) fail(r *http.Request, f *Flow, err error) (int, http.Header, []byte) {
	w := httptest.NewRecorder()
	if f != nil {
		f.Identity = hs.user
	}
	hs.h.fail(w, r, f, err)
	return w.Code, w.Header(), w.Body.Bytes()
}

func wantLocationPrefix(t *testing.T, code int, h http.Header, prefix string) string {
	t.Helper()
	if code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), prefix) {
		t.Fatalf("got %d Location %q, want 303 to %s…", code, h.Get("Location"), prefix)
	}
	return strings.TrimPrefix(h.Get("Location"), prefix)
}

func envelopeOf(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	return m
}

func TestItem19_NilFlowGenericErrorHTMLGoesToTheErrorUI(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	code, h, _ := hs.fail(htmlReq(nil), nil, apierr.Internal(errors.New("boom")))
	id := wantLocationPrefix(t, code, h, "http://localhost:4455/error?id=")
	se, err := hs.store.ReadError(context.Background(), uuid.MustParse(id))
	if err != nil {
		t.Fatal(err)
	}
	var stored map[string]any
	if err := json.Unmarshal(se.Error, &stored); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"code": float64(500), "status": "Internal Server Error",
		"message": "An internal server error occurred, please contact the system administrator"}
	if d := cmp.Diff(want, stored); d != "" {
		t.Errorf("stored error (-want +got):\n%s", d)
	}
}

func TestItem20_NilFlowJSONGetsTheEnvelope(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	code, h, body := hs.fail(jsonReq(nil), nil, flow.ErrFlowIDMissing())
	if code != 400 || h.Get("Location") != "" || !strings.Contains(string(body), "The flow query parameter is missing or malformed.") {
		t.Fatalf("%d %q %s", code, h.Get("Location"), body)
	}
}

func TestItem21_ExpiredAPIAndSPAFlowsAre410WithANewFlow(t *testing.T) {
	for _, tc := range []struct {
		name string
		api  bool
	}{{"api", true}, {"spa", false}} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, harnessOptions{})
			var f *Flow
			r := jsonReq(nil)
			if tc.api {
				f = hs.initAPI("user")
				r = request("POST", submitTarget+f.ID.String(), "user", "")
			} else {
				f = hs.browserFlow("")
				r = jsonReq(f)
			}
			e := &flow.ExpiredError{ExpiredAt: hs.now.Add(-time.Minute), Now: hs.now}
			code, _, body := hs.fail(r, f, e)
			got := envelopeOf(t, body)
			newID, _ := got["use_flow_id"].(string)
			if code != 410 || newID == "" || newID == uuid.Nil.String() || newID == f.ID.String() {
				t.Fatalf("%d %s", code, body)
			}
			if _, ok := got["since"]; !ok {
				t.Errorf("no since: %s", body)
			}
			delete(got, "since")
			delete(got, "use_flow_id")
			want := map[string]any{"expired_at": hs.now.Add(-time.Minute).Format(time.RFC3339Nano), "error": map[string]any{
				"id": "self_service_flow_expired", "code": float64(410), "status": "Gone", "message": "self-service flow expired",
				"reason": "The self-service flow expired 1.00 minutes ago, initialize a new one."}}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("envelope (-want +got):\n%s", d)
			}
			nf, err := hs.store.GetSettingsFlow(context.Background(), uuid.MustParse(newID))
			if err != nil || nf.Type != f.Type || nf.IdentityID != hs.user.ID {
				t.Fatalf("replacement: %v %+v", err, nf)
			}
		})
	}
}

func TestItem22_ValidationErrorOnAPIAndSPAFlowsIsA400Flow(t *testing.T) {
	for _, api := range []bool{true, false} {
		hs := newHarness(t, harnessOptions{})
		f, r := hs.browserFlow(""), (*http.Request)(nil)
		r = jsonReq(f)
		if api {
			f = hs.initAPI("user")
			r = request("POST", submitTarget+f.ID.String(), "user", "")
		}
		code, _, body := hs.fail(r, f, flow.NewFormError("", text.NewInvalidCredentials()))
		got := envelopeOf(t, body)
		msgs := got["ui"].(map[string]any)["messages"].([]any)
		if code != 400 || got["id"] != f.ID.String() || len(msgs) != 1 || msgs[0].(map[string]any)["id"] != float64(4000006) {
			t.Errorf("api=%v: %d %s", api, code, body)
		}
	}
}

func TestItem23_SPAReturnToUIIs200WithTheSameFlow(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	hs.method.settings = func(*Submission) (*Update, error) { return &Update{ReturnToUI: true}, nil }
	f := hs.browserFlow("")
	r := request("POST", submitTarget+f.ID.String(), "user", `{"method":"profile"}`, "Accept", "application/json")
	w := serve(hs.h.Submit, r)
	if w.Code != 200 || decode(t, w)["id"] != f.ID.String() || decode(t, w)["state"] != "show_form" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestItem24_SPANoActiveSessionIs401(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	f := hs.browserFlow("")
	code, _, body := hs.fail(jsonReq(f), f, session.ErrNoActiveSession())
	e := envelopeOf(t, body)["error"].(map[string]any)
	if code != 401 || e["reason"] != "No active session was found in this request." || e["id"] != "session_inactive" {
		t.Fatalf("%d %s", code, body)
	}
}

func TestItem25_SPAAALErrorIs403WithTheRedirect(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	f := hs.browserFlow("")
	aal := session.ErrAAL2Required(testPublic + "self-service/login/browser?aal=aal2")
	code, _, body := hs.fail(jsonReq(f), f, aal)
	w := httptest.NewRecorder()
	hs.h.rs.Writer.Write(w, jsonReq(f), aal)
	if code != 403 || string(body) != w.Body.String() {
		t.Fatalf("%d %s\nwant %s", code, body, w.Body)
	}
}

func TestItem26_APIAndSPAInternalErrorIs500(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	for _, f := range []*Flow{hs.initAPI("user"), hs.browserFlow("")} {
		err := &apierr.Error{Status: 500, Reason: "the database melted", Debug: "d"}
		code, _, body := hs.fail(jsonReq(f), f, err)
		got := envelopeOf(t, body)["error"]
		want := map[string]any{"code": float64(500), "status": "Internal Server Error", "reason": "the database melted",
			"debug": "d", "message": "An internal server error occurred, please contact the system administrator"}
		if code != 500 || !cmp.Equal(want, got) {
			t.Errorf("%s: %d %s", f.Type, code, cmp.Diff(want, got))
		}
	}
}

func TestItem27_BrowserExpiredGoesToANewFlowWithOneMessage(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	f := hs.browserFlow("")
	code, h, _ := hs.fail(htmlReq(f), f, &flow.ExpiredError{ExpiredAt: hs.now.Add(-2 * time.Minute), Now: hs.now})
	id := wantLocationPrefix(t, code, h, "http://localhost:4455/settings?flow=")
	if id == f.ID.String() {
		t.Fatal("the same flow")
	}
	nf, err := hs.store.GetSettingsFlow(context.Background(), uuid.MustParse(id))
	if err != nil {
		t.Fatal(err)
	}
	if len(nf.UI.Messages) != 1 || nf.UI.Messages[0].ID != text.IDSettingsFlowExpired ||
		nf.UI.Messages[0].Text != "The settings flow expired 2.00 minutes ago, please try again." {
		t.Errorf("messages %+v", nf.UI.Messages)
	}
	// D11: the context carries the real expiry time.
	if at, _ := nf.UI.Messages[0].Context["expired_at"].(string); at != hs.now.Add(-2*time.Minute).Format(time.RFC3339Nano) {
		t.Errorf("context %+v", nf.UI.Messages[0].Context)
	}
}

func TestItem28_BrowserReturnToUIGoesToTheSameFlow(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	hs.method.settings = func(*Submission) (*Update, error) { return &Update{ReturnToUI: true}, nil }
	f := hs.browserFlow("")
	r := request("POST", submitTarget+f.ID.String(), "user", "method=profile")
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := serve(hs.h.Submit, r)
	if id := wantLocationPrefix(t, w.Code, w.Header(), "http://localhost:4455/settings?flow="); id != f.ID.String() {
		t.Errorf("flow %s, want %s", id, f.ID)
	}
}

func TestItem29_BrowserNoSessionGoesToTheLoginEndpoint(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	f := hs.browserFlow("")
	code, h, _ := hs.fail(htmlReq(f), f, session.ErrNoActiveSession())
	if code != 303 || h.Get("Location") != testPublic+"self-service/login/browser" {
		t.Fatalf("%d %q", code, h.Get("Location"))
	}
}

func TestItem30_BrowserAALErrorGoesToTheAAL2Login(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	f := hs.browserFlow("")
	code, h, _ := hs.fail(htmlReq(f), f, session.ErrAAL2Required(testPublic+"self-service/login/browser?aal=aal2"))
	if code != 303 || h.Get("Location") != testPublic+"self-service/login/browser?aal=aal2" {
		t.Fatalf("%d %q", code, h.Get("Location"))
	}
}

func TestItem31_BrowserNeedsReauthGoesToTheRefreshLogin(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	f := hs.browserFlow("")
	code, h, _ := hs.fail(htmlReq(f), f, &PrivilegeError{})
	want := testPublic + "self-service/login/browser?refresh=true&return_to=" +
		strings.ReplaceAll(strings.ReplaceAll(testPublic, ":", "%3A"), "/", "%2F") + "self-service%2Fsettings%3Fflow%3D" + f.ID.String()
	if code != 303 || h.Get("Location") != want {
		t.Fatalf("%d %q\nwant %q", code, h.Get("Location"), want)
	}
}

func TestItem32_BrowserValidationErrorGoesToTheUIWithOneMessage(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	f := hs.browserFlow("")
	code, h, _ := hs.fail(htmlReq(f), f, flow.NewFormError("", text.NewInvalidCredentials()))
	if id := wantLocationPrefix(t, code, h, "http://localhost:4455/settings?flow="); id != f.ID.String() {
		t.Fatalf("flow %s", id)
	}
	nf, _ := hs.store.GetSettingsFlow(context.Background(), f.ID)
	if len(nf.UI.Messages) != 1 || nf.UI.Messages[0].ID != 4000006 {
		t.Errorf("messages %+v", nf.UI.Messages)
	}
}

func TestItem33_BrowserGenericErrorGoesToTheErrorUI(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	f := hs.browserFlow("")
	code, h, _ := hs.fail(htmlReq(f), f, errors.New("something broke"))
	wantLocationPrefix(t, code, h, "http://localhost:4455/error?id=")
}

// The hook failure answer (§2.7 row 15, §13 Q11): HTTP 400 around a 500.
func TestHookFailureIsA400AroundA500(t *testing.T) {
	hs := newHarness(t, harnessOptions{})
	f := hs.initAPI("user")
	w := httptest.NewRecorder()
	hs.h.hookFailed(w, request("POST", submitTarget+f.ID.String(), "user", ""), f, errors.New("hook down"))
	e := envelopeOf(t, w.Body.Bytes())["error"].(map[string]any)
	if w.Code != 400 || e["code"] != float64(500) || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}
