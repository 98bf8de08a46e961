package registration

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
	"github.com/warden-id/warden/internal/web"
)

// Options configure the registration flow (selfservice.flows.registration.*).
type Options struct {
	Enabled  bool          // selfservice.flows.registration.enabled
	UIURL    *url.URL      // ui_url
	Lifespan time.Duration // lifespan
	// AfterReturnTo is registration.after.default_browser_return_url (nil:
	// selfservice.default_browser_return_url); AfterMethodReturnTo holds
	// registration.after.<method>.default_browser_return_url.
	AfterReturnTo       *url.URL
	AfterMethodReturnTo map[identity.CredentialsType]*url.URL
	// AfterHooks are registration.after.hooks; AfterMethodHooks the
	// per-method lists, which replace the global list for their method.
	// Warden runs "session".
	AfterHooks       []string
	AfterMethodHooks map[identity.CredentialsType][]string
	// SortKeys is the node order within a group: csrf_token, the schema's
	// trait paths (identifiers first), password (foundation §2.2).
	SortKeys []string
	Log      *slog.Logger
}

// HookSession is the hook that signs the new identity in.
const HookSession = "session"

// knownMethods are Kratos's registration methods: naming a known one that
// is not enabled is a 404; anything else a 4010003.
var knownMethods = map[string]bool{"password": true, "oidc": true, "webauthn": true}

const submitPath = "/self-service/registration"

// Handler serves the registration endpoints.
type Handler struct {
	store      Store
	identities Identities
	sessions   Sessions
	methods    map[string]Method
	order      []Method
	rs         *flow.Responder
	kind       flow.Kind
	o          Options
}

// NewHandler wires the registration flow; methods are the enabled ones.
func NewHandler(store Store, identities Identities, sessions Sessions, methods []Method, rs *flow.Responder, o Options) *Handler {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{store: store, identities: identities, sessions: sessions, methods: map[string]Method{},
		order: methods, rs: rs, o: o}
	for _, m := range methods {
		h.methods[string(m.Name())] = m
	}
	h.kind = flow.Kind{
		Name:  "registration",
		UIURL: o.UIURL,
		// Registration redirects back to its UI with 302, where every other
		// flow uses 303 (foundation §0.7 step 4, §2.3).
		ErrorRedirect: http.StatusFound,
		Save: func(ctx context.Context, f flow.Flow) error {
			return h.store.UpdateRegistrationFlow(ctx, f.(*Flow))
		},
		Renew: h.renew,
	}
	return h
}

// SortOptions is the registration node order: groups default, oidc,
// webauthn, password; keys as in Options.SortKeys; "method" last.
func (h *Handler) SortOptions() ui.SortOptions {
	return ui.SortOptions{
		Groups: []ui.Group{ui.GroupDefault, ui.GroupOIDC, ui.GroupWebAuthn, ui.GroupPassword},
		Keys:   h.o.SortKeys,
	}
}

// InitBrowser is GET /self-service/registration/browser.
func (h *Handler) InitBrowser(w http.ResponseWriter, r *http.Request) {
	sess, err := h.currentSession(r)
	if err != nil {
		h.rs.Errors.Redirect(w, r, err)
		return
	}
	if sess != nil {
		h.alreadySignedIn(w, r, http.StatusSeeOther, h.rs.DefaultReturnTo)
		return
	}
	h.init(w, r, flow.TypeBrowser)
}

// InitAPI is GET /self-service/registration/api: 400 with a session.
func (h *Handler) InitAPI(w http.ResponseWriter, r *http.Request) {
	sess, err := h.currentSession(r)
	if err != nil {
		h.rs.Writer.Write(w, r, err)
		return
	}
	if sess != nil {
		h.rs.Writer.Write(w, r, ErrAlreadyLoggedIn())
		return
	}
	h.init(w, r, flow.TypeAPI)
}

func (h *Handler) init(w http.ResponseWriter, r *http.Request, t flow.Type) {
	if !h.o.Enabled {
		h.rs.InitError(w, r, t, ErrDisabled())
		return
	}
	base, err := h.rs.NewBase(w, r, t, h.o.Lifespan, submitPath)
	if err != nil {
		h.rs.InitError(w, r, t, err)
		return
	}
	f := &Flow{Base: base}
	if err := h.populateAndCreate(r.Context(), f); err != nil {
		h.rs.InitError(w, r, t, err)
		return
	}
	h.rs.Created(w, r, h.kind, f)
}

func (h *Handler) populateAndCreate(ctx context.Context, f *Flow) error {
	for _, m := range h.order {
		if err := m.PopulateRegistration(ctx, f); err != nil {
			return fmt.Errorf("registration: populate %s: %w", m.Name(), err)
		}
	}
	f.UI.Sort(h.SortOptions())
	return h.store.CreateRegistrationFlow(ctx, f)
}

// renew replaces an expired flow (foundation §7.2), message 4040001.
func (h *Handler) renew(ctx context.Context, w http.ResponseWriter, r *http.Request, old flow.Flow, e *flow.ExpiredError) (flow.Flow, error) {
	o, ok := old.(*Flow)
	if !ok {
		return nil, errors.New("registration: renew: not a registration flow")
	}
	f := &Flow{Base: h.rs.RenewBase(w, r, &o.Base, h.o.Lifespan, submitPath)}
	f.UI.Messages = append(f.UI.Messages, text.NewRegistrationFlowExpired(e.ExpiredAt, e.Now))
	if err := h.populateAndCreate(ctx, f); err != nil {
		return nil, err
	}
	return f, nil
}

// Fetch is GET /self-service/registration/flows?id=. A disabled flow goes
// through the error manager; other errors are JSON (foundation §2.1).
func (h *Handler) Fetch(w http.ResponseWriter, r *http.Request) {
	h.rs.CSRF.Ensure(w, r)
	if !h.o.Enabled {
		h.rs.Errors.Redirect(w, r, ErrDisabled())
		return
	}
	h.rs.Fetch(w, r, h.kind, func(ctx context.Context, id uuid.UUID) (flow.Flow, error) {
		return h.store.GetRegistrationFlow(ctx, id)
	})
}

// alreadySignedIn answers a request that has a session: JSON requests get
// the 400 envelope, browsers a redirect.
func (h *Handler) alreadySignedIn(w http.ResponseWriter, r *http.Request, status int, def *url.URL) {
	if web.IsJSONRequest(r) {
		h.rs.Writer.Write(w, r, ErrAlreadyLoggedIn())
		return
	}
	to := def
	if status == http.StatusSeeOther {
		// Init: the request's return_to when allowed (foundation §2.2).
		u, err := h.rs.ReturnTo.Resolve(h.rs.RequestURL(r), def)
		if err != nil {
			h.rs.Errors.Redirect(w, r, err)
			return
		}
		to = u
	} else {
		// Submit: only PUBLIC/self-service… return_to values (§2.1).
		to = h.rs.ReturnTo.SelfServiceOnly(h.rs.RequestURL(r), def)
	}
	http.Redirect(w, r, to.String(), status)
}

func (h *Handler) currentSession(r *http.Request) (*session.Session, error) {
	s, err := h.sessions.FromRequest(r.Context(), r)
	if err != nil {
		if apierr.Is(err, http.StatusUnauthorized) {
			return nil, nil
		}
		return nil, err
	}
	return s, nil
}

// hooks is the after-registration hook list for method m.
func (h *Handler) hooks(m Method) []string {
	if hs, ok := h.o.AfterMethodHooks[m.Name()]; ok {
		return hs
	}
	return h.o.AfterHooks
}

func (h *Handler) hasSessionHook(m Method) bool { return slices.Contains(h.hooks(m), HookSession) }
