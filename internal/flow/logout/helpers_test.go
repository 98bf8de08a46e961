package logout_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow/logout"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
	"github.com/warden-id/warden/internal/web"
)

// quiet discards the error writer's logs of expected 5xx (store closed).
var quiet = slog.New(slog.DiscardHandler)

const (
	publicBase = "http://127.0.0.1:4433/"
	afterURL   = "http://127.0.0.1:4455/logged-out"
)

// fakeErrors records what the error manager would get and answers like it:
// JSON requests get the envelope, others a 303 to the error UI.
type fakeErrors struct{ got []error }

func (f *fakeErrors) Redirect(w http.ResponseWriter, r *http.Request, err error) {
	f.got = append(f.got, err)
	if web.IsJSONRequest(r) {
		web.ErrorWriter{Log: quiet}.Write(w, r, err)
		return
	}
	http.Redirect(w, r, "http://127.0.0.1:4455/error?id=stored", http.StatusSeeOther)
}

// fakeReturnTo allows return_to values under http://127.0.0.1:4455/.
type fakeReturnTo struct{}

func (fakeReturnTo) Resolve(source string, def *url.URL) (*url.URL, error) {
	u, err := url.Parse(source)
	if err != nil {
		return nil, err
	}
	raw := u.Query().Get("return_to")
	if raw == "" {
		return def, nil
	}
	if !strings.HasPrefix(raw, "http://127.0.0.1:4455/") {
		return nil, &apierr.Error{Status: 400, ID: "self_service_flow_return_to_forbidden",
			Reason: "Requested return_to URL \"" + raw + "\" is not allowed."}
	}
	return url.Parse(raw)
}

type env struct {
	t    *testing.T
	st   *store.Store
	m    *session.Manager
	mux  *http.ServeMux
	errs *fakeErrors
	csrf web.CSRF
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := storetest.Open(t, store.DialectSQLite)
	pub, _ := url.Parse(publicBase)
	after, _ := url.Parse(afterURL)
	m := session.NewManager(st, session.Options{
		Lifespan:          time.Hour,
		Cookie:            session.CookieOptions{Name: "ory_kratos_session", Path: "/", SameSite: http.SameSiteLaxMode, Persistent: true},
		WhoamiRequiredAAL: session.RequireHighestAvailable,
		PublicURL:         pub,
	})
	e := &env{t: t, st: st, m: m, mux: http.NewServeMux(), errs: &fakeErrors{},
		csrf: web.CSRF{CookieName: web.CSRFCookieName(publicBase), Path: "/", SameSite: http.SameSiteLaxMode}}
	logout.NewHandler(m, e.errs, fakeReturnTo{}, e.csrf, web.ErrorWriter{Log: quiet}, logout.Options{PublicURL: pub, DefaultReturnTo: after}).
		Register(e.mux)
	session.NewHandlers(m, web.ErrorWriter{Log: quiet}).RegisterPublic(e.mux)
	return e
}

func (e *env) login() *session.Session {
	e.t.Helper()
	ctx := context.Background()
	email := strings.ToLower(time.Now().Format("150405.000000000")) + "@example.org"
	i := &identity.Identity{SchemaID: "default", Traits: json.RawMessage(`{"email":"` + email + `"}`),
		Credentials: map[identity.CredentialsType]identity.Credentials{
			identity.CredentialsPassword: {Identifiers: []string{email}, Config: json.RawMessage(`{"hashed_password":"$2a$12$x"}`)},
		}}
	if err := e.st.CreateIdentity(ctx, i); err != nil {
		e.t.Fatal(err)
	}
	s := e.m.NewSession(i)
	if err := e.m.Authenticate(ctx, s, i, identity.CredentialsPassword, session.AAL1); err != nil {
		e.t.Fatal(err)
	}
	if err := e.m.Save(ctx, s); err != nil {
		e.t.Fatal(err)
	}
	return s
}

type call struct {
	method, target, body string
	cookie, bearer       string
	json                 bool
	contentType          string
}

func (e *env) do(c call) *httptest.ResponseRecorder {
	e.t.Helper()
	if c.method == "" {
		c.method = http.MethodGet
	}
	r := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
	if c.cookie != "" {
		r.AddCookie(&http.Cookie{Name: "ory_kratos_session", Value: c.cookie})
	}
	if c.bearer != "" {
		r.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.json {
		r.Header.Set("Accept", "application/json")
	}
	if c.contentType != "" {
		r.Header.Set("Content-Type", c.contentType)
	}
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)
	return w
}

func (e *env) active(s *session.Session) bool {
	e.t.Helper()
	got, err := e.st.FindSessionByID(context.Background(), s.ID, false)
	if err != nil {
		e.t.Fatal(err)
	}
	return got.Active
}

func wantCode(t *testing.T, w *httptest.ResponseRecorder, code int) {
	t.Helper()
	if w.Code != code {
		t.Fatalf("status = %d, want %d; body %s; headers %v", w.Code, code, w.Body.String(), w.Header())
	}
}

func wantBody(t *testing.T, w *httptest.ResponseRecorder, want string) {
	t.Helper()
	var got, exp any
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("body %q: %v", w.Body.String(), err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(got)
	x, _ := json.Marshal(exp)
	if string(g) != string(x) {
		t.Errorf("body = %s\nwant   %s", g, x)
	}
}

const sessionInactive = `{"error":{"id":"session_inactive","code":401,"status":"Unauthorized",
	"reason":"No active session was found in this request.","message":"request does not have a valid authentication session"}}`

func cookieNamed(w *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}
