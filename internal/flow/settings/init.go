package settings

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
	"github.com/warden-id/warden/internal/web"
)

// InitBrowser is GET /self-service/settings/browser (§2.1).
func (h *Handler) InitBrowser(w http.ResponseWriter, r *http.Request) {
	sess, err := h.sessions.FromRequest(r.Context(), r)
	if err != nil {
		switch {
		case !session.IsNoSession(err):
			h.rs.Errors.Redirect(w, r, err)
		case web.IsJSONRequest(r):
			h.rs.Writer.Write(w, r, errInitNoSession(false))
		default:
			// The login UI, not the login init endpoint; return_to is not
			// forwarded (v0.10.1, §2.1 step 1).
			http.Redirect(w, r, h.o.LoginUIURL.String(), http.StatusSeeOther)
		}
		return
	}
	if err := h.sessions.CheckAAL(sess, h.o.RequiredAAL); err != nil {
		if e := aalError(err); e != nil && !web.IsJSONRequest(r) {
			to, _ := e.Extra["redirect_browser_to"].(string)
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		h.rs.Writer.Write(w, r, err)
		return
	}
	h.init(w, r, flow.TypeBrowser, sess)
}

// InitAPI is GET /self-service/settings/api (§2.2): always JSON, no cookies
// (but the continuity cookie is cleared when it had pending entries).
func (h *Handler) InitAPI(w http.ResponseWriter, r *http.Request) {
	sess, err := h.sessions.FromRequest(r.Context(), r)
	if err != nil {
		if session.IsNoSession(err) {
			err = errInitNoSession(true)
		}
		h.rs.Writer.Write(w, r, err)
		return
	}
	if err := h.sessions.CheckAAL(sess, h.o.RequiredAAL); err != nil {
		h.rs.Writer.Write(w, r, err)
		return
	}
	h.init(w, r, flow.TypeAPI, sess)
}

// aalError is err's session_aal2_required, or nil.
func aalError(err error) *apierr.Error {
	if e := apierr.As(err); e != nil && e.ID == "session_aal2_required" {
		return e
	}
	return nil
}

func (h *Handler) init(w http.ResponseWriter, r *http.Request, t flow.Type, sess *session.Session) {
	base, err := h.rs.NewBase(w, r, t, h.o.Lifespan, submitPath)
	if err != nil {
		h.rs.InitError(w, r, t, err)
		return
	}
	f, err := h.create(w, r, base, sess.Identity)
	if err != nil {
		h.rs.InitError(w, r, t, err)
		return
	}
	h.rs.Created(w, r, h.kind, f)
}

// create finishes a new flow on base for identity i and stores it (§2.5).
func (h *Handler) create(w http.ResponseWriter, r *http.Request, base flow.Base, i *identity.Identity) (*Flow, error) {
	f, err := h.build(w, r, base, i)
	if err != nil {
		return nil, err
	}
	if err := h.store.CreateSettingsFlow(r.Context(), f); err != nil {
		return nil, err
	}
	return f, nil
}

// build is flow creation without storing (§2.5 steps 3–5) for the
// identity as stored: pending paused submissions are dropped, then
// populate.
func (h *Handler) build(w http.ResponseWriter, r *http.Request, base flow.Base, i *identity.Identity) (*Flow, error) {
	ctx := r.Context()
	if err := h.abortContinuity(ctx, w, r); err != nil {
		return nil, err
	}
	var creds map[identity.CredentialsType]identity.Credentials
	if h.readCreds {
		var err error
		if creds, err = h.store.IdentityCredentials(ctx, i.ID); err != nil {
			return nil, fmt.Errorf("settings: read credentials: %w", err)
		}
	}
	return h.populate(ctx, base, i, creds, nil, nil)
}

// populate fills a new flow on base: every enabled method adds its nodes
// for identity i with credentials creds, and the nodes are sorted. After a
// success (from is the submitted flow, touched the method that succeeded),
// a NodeKeeper other than touched keeps its nodes from the submitted flow
// instead. base is not changed (a commit may populate more than once).
func (h *Handler) populate(ctx context.Context, base flow.Base, i *identity.Identity, creds map[identity.CredentialsType]identity.Credentials,
	from *Flow, touched Method) (*Flow, error) {
	base.State = StateShowForm
	if base.UI != nil {
		base.UI = cloneUI(base.UI)
	}
	f := &Flow{Base: base, Identity: i, IdentityID: i.ID}
	for _, m := range h.order {
		if k, ok := m.(NodeKeeper); ok && from != nil && m != touched && k.KeepsSettingsNodes() {
			keepNodes(f, from, ui.Group(m.Name()))
			continue
		}
		if err := m.PopulateSettings(ctx, f, i, creds); err != nil {
			return nil, fmt.Errorf("settings: populate %s: %w", m.Name(), err)
		}
	}
	h.sort(f)
	return f, nil
}

// keepNodes copies the nodes of group g from one flow to another, without
// their messages.
func keepNodes(to, from *Flow, g ui.Group) {
	for _, n := range cloneUI(from.UI).Nodes {
		if n.Group == g {
			n.Messages = []text.Message{}
			to.UI.Nodes = append(to.UI.Nodes, n)
		}
	}
}

// renew replaces an expired flow (§2.6 step 4): same type and request_url
// (so return_to survives), fresh id, lifespan and nodes, message 4050001.
// The replacement belongs to the requester (old.Identity is the session's).
func (h *Handler) renew(ctx context.Context, w http.ResponseWriter, r *http.Request, old flow.Flow, e *flow.ExpiredError) (flow.Flow, error) {
	o, ok := old.(*Flow)
	if !ok || o.Identity == nil {
		return nil, errors.New("settings: renew: not a settings flow with its identity")
	}
	f, err := h.build(w, r, h.rs.RenewBase(w, r, &o.Base, h.o.Lifespan, submitPath), o.Identity)
	if err != nil {
		return nil, err
	}
	f.UI.Messages = append(f.UI.Messages, text.NewSettingsFlowExpired(e.ExpiredAt, e.Now))
	if err := h.store.CreateSettingsFlow(ctx, f); err != nil {
		return nil, err
	}
	return f, nil
}
