package settings

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/hook"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/ui"
	"github.com/warden-id/warden/internal/web"
)

// Options configure the settings flow (selfservice.flows.settings.* and
// what it depends on).
type Options struct {
	UIURL      *url.URL      // selfservice.flows.settings.ui_url (may be relative)
	LoginUIURL *url.URL      // selfservice.flows.login.ui_url: where requests without a session go
	Lifespan   time.Duration // selfservice.flows.settings.lifespan
	// PrivilegedSessionMaxAge is privileged_session_max_age (§6.1).
	PrivilegedSessionMaxAge time.Duration
	// RequiredAAL is required_aal: "aal1" or "highest_available" (§6.2).
	RequiredAAL string
	// AfterReturnTo is after.default_browser_return_url; AfterMethodReturnTo
	// holds after.<method>.default_browser_return_url (§8.2 step 1).
	AfterReturnTo       *url.URL
	AfterMethodReturnTo map[string]*url.URL
	// AfterHooks is after.hooks; AfterMethodHooks holds the after.<method>.hooks
	// lists, which replace the global list for their method when present.
	AfterHooks       []hook.Hook
	AfterMethodHooks map[string][]hook.Hook
	// RevokeOtherSessionsAfter holds, per method, whether an update that
	// changes a factor (Update.FactorChanged) revokes the identity's other
	// sessions (Warden: selfservice.flows.settings.after.<method>.
	// revoke_other_sessions, on by default for password, totp,
	// lookup_secret and webauthn).
	RevokeOtherSessionsAfter map[string]bool
	// SortKeys gives the node order within a group for an identity schema:
	// its trait paths in declaration order (§3.4). Nil or unknown: none.
	SortKeys   func(schemaID string) []string
	Continuity CookieOptions
	Log        *slog.Logger
}

// dispatchOrder is Kratos's strategy order (§2.4 step 7, §5.0).
var dispatchOrder = []string{"password", "oidc", "profile", "totp", "webauthn", "lookup_secret"}

const submitPath = "/self-service/settings"

// Handler serves the settings endpoints. Build it with NewHandler.
type Handler struct {
	store    Store
	sessions Sessions
	methods  map[string]Method
	order    []Method // enabled methods, in dispatch order
	rs       *flow.Responder
	kind     flow.Kind
	o        Options
	// readCreds: some enabled method is a CredentialsReader.
	readCreds bool
}

// NewHandler wires the settings flow; methods are the enabled ones.
func NewHandler(store Store, sessions Sessions, methods []Method, rs *flow.Responder, o Options) (*Handler, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.SortKeys == nil {
		o.SortKeys = func(string) []string { return nil }
	}
	h := &Handler{store: store, sessions: sessions, methods: map[string]Method{}, rs: rs, o: o}
	for _, m := range methods {
		if _, dup := h.methods[m.Name()]; dup {
			return nil, fmt.Errorf("settings: method %q given twice", m.Name())
		}
		h.methods[m.Name()] = m
	}
	for _, name := range dispatchOrder {
		if m, ok := h.methods[name]; ok {
			h.order = append(h.order, m)
			if cr, ok := m.(CredentialsReader); ok && cr.ReadsCredentials() {
				h.readCreds = true
			}
		}
	}
	if len(h.order) != len(methods) {
		return nil, fmt.Errorf("settings: unknown method among %d given", len(methods))
	}
	h.kind = flow.Kind{
		Name:          "settings",
		UIURL:         o.UIURL,
		ErrorRedirect: http.StatusSeeOther,
		Save: func(ctx context.Context, f flow.Flow) error {
			sf := f.(*Flow)
			// Error nodes appended for unknown fields move into place (§2.6 step 8).
			h.sort(sf)
			return h.store.UpdateSettingsFlow(ctx, sf)
		},
		Renew: h.renew,
	}
	return h, nil
}

// sortGroups is the settings node order by group (§3.4).
var sortGroups = []ui.Group{ui.GroupDefault, ui.GroupProfile, ui.GroupPassword, ui.GroupOIDC,
	ui.GroupLookupSecret, ui.GroupWebAuthn, ui.GroupTOTP}

// methodKeys follow the schema's trait paths in the position list (§3.4).
var methodKeys = []string{"lookup_secret_reveal", "lookup_secret_regenerate", "lookup_secret_codes", "lookup_secret_confirm",
	"webauthn_remove", "webauthn_register_displayname", "webauthn_register", "totp_qr", "totp_secret_key", "totp_unlink", "totp_code"}

// sort orders f's nodes by the schema of its identity.
func (h *Handler) sort(f *Flow) {
	if f.UI == nil {
		return
	}
	var keys []string
	if f.Identity != nil {
		keys = append(keys, h.o.SortKeys(f.Identity.SchemaID)...)
	}
	f.UI.Sort(ui.SortOptions{Groups: sortGroups, Keys: append(keys, methodKeys...)})
}

// Fetch is GET /self-service/settings/flows?id= (§2.3). After the session
// check every answer is JSON.
func (h *Handler) Fetch(w http.ResponseWriter, r *http.Request) {
	h.rs.CSRF.Ensure(w, r) // a browser-facing GET carries the CSRF cookie (§7.1)
	ctx := r.Context()
	sess, err := h.sessions.FromRequest(ctx, r)
	if err != nil {
		h.noSession(w, r, err)
		return
	}
	id, err := flow.ParseFetchID(r)
	if err != nil {
		h.rs.Writer.Write(w, r, err)
		return
	}
	f, err := h.store.GetSettingsFlow(ctx, id)
	if err != nil {
		h.rs.Writer.Write(w, r, err)
		return
	}
	if f.IdentityID != sess.IdentityID {
		h.rs.Writer.Write(w, r, errFetchOtherIdentity())
		return
	}
	if err := h.sessions.CheckAAL(sess, h.o.RequiredAAL); err != nil {
		h.rs.Writer.Write(w, r, err)
		return
	}
	if f.Expired(h.rs.Clock()) {
		h.rs.Writer.Write(w, r, h.fetchExpired(f))
		return
	}
	f.Identity = sess.Identity
	h.rs.WriteFlow(w, r, http.StatusOK, f)
}

// noSession answers a fetch or submit without a session (§2.3 step 1,
// §2.4 step 1, D6): JSON requests get the 401 envelope, others a 302 (not
// 303, §13 Q4) to the login UI, with no cookie set. A store failure is not
// "no session".
func (h *Handler) noSession(w http.ResponseWriter, r *http.Request, err error) {
	if !session.IsNoSession(err) {
		h.rs.Writer.Write(w, r, err)
		return
	}
	if web.IsJSONRequest(r) {
		h.rs.Writer.Write(w, r, errNoSession())
		return
	}
	http.Redirect(w, r, h.o.LoginUIURL.String(), http.StatusFound)
}

// privileged reports whether s may change protected fields now (§6.1):
// re-authentication is required once authenticated_at + max age < now.
func (h *Handler) privileged(s *session.Session) bool {
	return !s.AuthenticatedAt.Add(h.o.PrivilegedSessionMaxAge).Before(h.rs.Clock())
}
