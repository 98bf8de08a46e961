package session_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/store"
	"github.com/warden-id/warden/internal/store/storetest"
	"github.com/warden-id/warden/internal/web"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a session manager and its endpoints on a real SQLite store.
type env struct {
	t      testing.TB
	store  *store.Store
	m      *session.Manager
	public *http.ServeMux
	admin  *http.ServeMux
	clock  *clock
	opts   session.Options
	dsn    string
}

// rawDB opens a second pool on the env's SQLite file, for checks and
// seeding the store API does not offer.
func (e *env) rawDB() *sql.DB {
	e.t.Helper()
	path, ok := strings.CutPrefix(e.dsn, "sqlite://")
	if !ok {
		e.t.Fatalf("rawDB needs a SQLite env, have %q", e.dsn)
	}
	path, _, _ = strings.Cut(path, "?")
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		if err := db.Close(); err != nil {
			e.t.Error(err)
		}
	})
	return db
}

const publicBase = "http://127.0.0.1:4433/"

// envOptions change the defaults of newEnv.
type envOptions struct {
	requiredAAL            string
	lifespan               time.Duration
	earliestPossibleExtend time.Duration
	dialect                string
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	if o.dialect == "" {
		o.dialect = store.DialectSQLite
	}
	dsn := storetest.NewDSN(t, o.dialect)
	st := storetest.OpenDSN(t, dsn)
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := newEnvOn(t, st, o)
	e.dsn = dsn
	return e
}

func newEnvOn(t testing.TB, st *store.Store, o envOptions) *env {
	t.Helper()
	pub, _ := url.Parse(publicBase)
	c := &clock{t: time.Now().UTC()}
	opts := session.Options{
		Lifespan:               24 * time.Hour,
		EarliestPossibleExtend: 24 * time.Hour,
		Cookie: session.CookieOptions{Name: "ory_kratos_session", Path: "/", SameSite: http.SameSiteLaxMode,
			Secure: true, Persistent: true},
		WhoamiRequiredAAL: session.RequireHighestAvailable,
		PublicURL:         pub,
		Now:               c.Now,
		Log:               slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if o.requiredAAL != "" {
		opts.WhoamiRequiredAAL = o.requiredAAL
	}
	if o.lifespan != 0 {
		opts.Lifespan = o.lifespan
	}
	if o.earliestPossibleExtend != 0 {
		opts.EarliestPossibleExtend = o.earliestPossibleExtend
	}
	m := session.NewManager(st, opts)
	h := session.NewHandlers(m, web.ErrorWriter{Log: opts.Log})
	e := &env{t: t, store: st, m: m, public: http.NewServeMux(), admin: http.NewServeMux(), clock: c, opts: opts}
	h.RegisterPublic(e.public)
	// The admin port's existing redirect of /admin/sessions/whoami must
	// coexist with the session routes (a mux conflict would panic here).
	e.admin.Handle("/admin/sessions/whoami", http.NotFoundHandler())
	e.admin.Handle("/admin/sessions", http.NotFoundHandler())
	h.RegisterAdmin(e.admin)
	return e
}

var bcryptHash = `{"hashed_password":"$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"}`

// identityOptions describe a test identity.
type identityOptions struct {
	email    string
	totp     bool
	inactive bool
}

func (e *env) createIdentity(o identityOptions) *identity.Identity {
	e.t.Helper()
	if o.email == "" {
		o.email = strings.ToLower(uuid.NewString()[:8]) + "@example.org"
	}
	i := &identity.Identity{
		SchemaID:       "default",
		Traits:         json.RawMessage(`{"email":"` + o.email + `"}`),
		MetadataPublic: json.RawMessage(`{"plan":"free"}`),
		MetadataAdmin:  json.RawMessage(`{"note":"admin only"}`),
		Credentials: map[identity.CredentialsType]identity.Credentials{
			identity.CredentialsPassword: {Identifiers: []string{o.email}, Config: json.RawMessage(bcryptHash)},
		},
		VerifiableAddresses: []identity.VerifiableAddress{{Value: o.email, Via: identity.ViaEmail, Status: identity.AddressStatusPending}},
		RecoveryAddresses:   []identity.RecoveryAddress{{Value: o.email, Via: identity.ViaEmail}},
	}
	if o.totp {
		i.Credentials[identity.CredentialsTOTP] = identity.Credentials{
			Identifiers: []string{o.email}, Config: json.RawMessage(`{"totp_url":"otpauth://totp/x?secret=JBSWY3DPEHPK3PXP"}`),
		}
	}
	if o.inactive {
		i.State = identity.StateInactive
	}
	if err := e.store.CreateIdentity(context.Background(), i); err != nil {
		e.t.Fatalf("CreateIdentity: %v", err)
	}
	return i
}

// login issues and stores a password (aal1) session for i.
func (e *env) login(i *identity.Identity) *session.Session {
	e.t.Helper()
	ctx := context.Background()
	s := e.m.NewSession(i)
	if err := e.m.Authenticate(ctx, s, i, identity.CredentialsPassword, session.AAL1); err != nil {
		e.t.Fatalf("Authenticate: %v", err)
	}
	if err := e.m.Save(ctx, s); err != nil {
		e.t.Fatalf("Save: %v", err)
	}
	return s
}

// request describes one HTTP call.
type request struct {
	method, target string
	header         http.Header
	token          string // sent as X-Session-Token
	cookie         string // session cookie value
	body           string
}

func (e *env) do(mux *http.ServeMux, rq request) *httptest.ResponseRecorder {
	e.t.Helper()
	if rq.method == "" {
		rq.method = http.MethodGet
	}
	var body io.Reader
	if rq.body != "" {
		body = strings.NewReader(rq.body)
	}
	r := httptest.NewRequest(rq.method, rq.target, body)
	for k, vs := range rq.header {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	if rq.token != "" {
		r.Header.Set(session.HeaderSessionToken, rq.token)
	}
	if rq.cookie != "" {
		r.AddCookie(&http.Cookie{Name: "ory_kratos_session", Value: rq.cookie})
	}
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	return w
}

func decode[T any](t testing.TB, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %T from %q: %v", v, w.Body.String(), err)
	}
	return v
}

func wantCode(t testing.TB, w *httptest.ResponseRecorder, code int) {
	t.Helper()
	if w.Code != code {
		t.Fatalf("status = %d, want %d; body %s", w.Code, code, w.Body.String())
	}
}

// whoami401 is Kratos v0.10.1's exact whoami 401 body (foundation §3.4).
const whoami401 = `{"error":{"code":401,"status":"Unauthorized","reason":"No valid session cookie found.","message":"The request could not be authorized"}}`

func wantJSONBody(t testing.TB, w *httptest.ResponseRecorder, want string) {
	t.Helper()
	var got, exp any
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("body %q: %v", w.Body.String(), err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("want %q: %v", want, err)
	}
	g, _ := json.Marshal(got)
	x, _ := json.Marshal(exp)
	if string(g) != string(x) {
		t.Errorf("body = %s\nwant   %s", g, x)
	}
}
