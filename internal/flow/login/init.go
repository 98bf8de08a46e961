package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
	"github.com/warden-id/warden/internal/web"
)

// SortOptions is the login node order (foundation §1.2): groups oidc,
// default, webauthn, password, totp, lookup_secret; csrf_token, identifier,
// password first within a group; "method" last.
var SortOptions = ui.SortOptions{
	Groups: []ui.Group{ui.GroupOIDC, ui.GroupDefault, ui.GroupWebAuthn, ui.GroupPassword, ui.GroupTOTP, ui.GroupLookupSecret},
	Keys:   []string{flow.CSRFNodeName, "identifier", "password"},
}

func (h *Handler) init(w http.ResponseWriter, r *http.Request, t flow.Type) {
	f, err := h.newFlow(w, r, t)
	if err != nil {
		h.initError(w, r, t, err)
		return
	}
	h.rs.Created(w, r, h.kind, f)
}

// initError answers a failed init (foundation §1.3): a browser that is
// already signed in is sent to its return_to (or the default); every other
// error goes the usual way.
func (h *Handler) initError(w http.ResponseWriter, r *http.Request, t flow.Type, err error) {
	if e := apierr.As(err); t == flow.TypeBrowser && e != nil && e.ID == "session_already_available" && !web.IsJSONRequest(r) {
		to, rerr := h.rs.ReturnTo.Resolve(h.rs.RequestURL(r), h.rs.DefaultReturnTo)
		if rerr != nil {
			h.rs.Errors.Redirect(w, r, rerr)
			return
		}
		http.Redirect(w, r, to.String(), http.StatusSeeOther)
		return
	}
	h.rs.InitError(w, r, t, err)
}

// newFlow runs the init algorithm (foundation §1.3) and stores the flow.
func (h *Handler) newFlow(w http.ResponseWriter, r *http.Request, t flow.Type) (*Flow, error) {
	ctx := r.Context()
	q := r.URL.Query()
	base, err := h.rs.NewBase(w, r, t, h.o.Lifespan, submitPath)
	if err != nil {
		return nil, err
	}
	aal := session.AAL(strings.ToLower(q.Get("aal")))
	switch aal {
	case "":
		aal = session.AAL1
	case session.AAL1, session.AAL2:
	default:
		return nil, errBadAAL(string(aal))
	}
	f := &Flow{Base: base, Refresh: q.Get("refresh") == "true", RequestedAAL: aal}

	sess, err := h.currentSession(ctx, r)
	if err != nil {
		return nil, err
	}
	switch {
	case sess == nil && aal > session.AAL1:
		return nil, ErrAAL1Required()
	case sess == nil:
		f.Refresh = false
	case f.Refresh:
	case aal == session.AAL1 || aal <= sess.AAL:
		return nil, ErrAlreadyLoggedIn()
	}
	if f.Refresh {
		f.UI.Messages = append(f.UI.Messages, text.NewLoginReAuth())
	}
	if sess != nil && aal > sess.AAL && aal > session.AAL1 {
		f.UI.Messages = append(f.UI.Messages, text.NewLoginMFA())
	}
	if err := h.populate(ctx, f, sess); err != nil {
		return nil, err
	}
	if err := h.store.CreateLoginFlow(ctx, f); err != nil {
		return nil, err
	}
	return f, nil
}

// populate lets every enabled method add its nodes, then sorts them.
func (h *Handler) populate(ctx context.Context, f *Flow, sess *session.Session) error {
	for _, m := range h.order {
		if err := m.PopulateLogin(ctx, f, sess); err != nil {
			return fmt.Errorf("login: populate %s: %w", m.Name(), err)
		}
	}
	f.UI.Sort(SortOptions)
	return nil
}

// renew is the replacement of an expired flow (foundation §7.2): same type,
// request_url, refresh and requested AAL; fresh id and lifespan; message
// 4010001. The request's session decides the nodes, as at init.
func (h *Handler) renew(ctx context.Context, w http.ResponseWriter, r *http.Request, old flow.Flow, e *flow.ExpiredError) (flow.Flow, error) {
	o, ok := old.(*Flow)
	if !ok {
		return nil, errors.New("login: renew: not a login flow")
	}
	sess, err := h.currentSession(ctx, r)
	if err != nil {
		return nil, err
	}
	f := &Flow{Base: h.rs.RenewBase(w, r, &o.Base, h.o.Lifespan, submitPath), Refresh: o.Refresh && sess != nil,
		RequestedAAL: o.RequestedAAL}
	f.UI.Messages = append(f.UI.Messages, text.NewLoginFlowExpired(e.ExpiredAt, e.Now))
	if err := h.populate(ctx, f, sess); err != nil {
		return nil, err
	}
	if err := h.store.CreateLoginFlow(ctx, f); err != nil {
		return nil, err
	}
	return f, nil
}
