package session

import (
	"net/http"
	"sync"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/web"
)

// HeaderIdentityID is set on every successful whoami (foundation §3.4).
const HeaderIdentityID = "X-Kratos-Authenticated-Identity-Id"

// Handlers serve whoami, the own-session endpoints (public port) and the
// admin session endpoints (foundation §3.4–§3.7). None of them sets a CSRF
// cookie: Kratos ignores these paths in its CSRF middleware.
type Handlers struct {
	m  *Manager
	ew web.ErrorWriter
	// bufs recycles whoami's response buffers (*[]byte).
	bufs sync.Pool
}

// NewHandlers wires the session endpoints.
func NewHandlers(m *Manager, ew web.ErrorWriter) *Handlers {
	return &Handlers{m: m, ew: ew}
}

// maxPooledBuffer keeps an unusually large answer's buffer out of the pool.
const maxPooledBuffer = 64 << 10

// whoamiMethods are the methods Kratos routes to whoami. Each is its own
// pattern so that "DELETE /sessions/whoami" (whoami too) and
// "DELETE /sessions/{id}" do not overlap ambiguously in the mux.
var whoamiMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions, http.MethodTrace, http.MethodConnect}

// RegisterPublic adds the public-port routes.
func (h *Handlers) RegisterPublic(mux *http.ServeMux) {
	for _, m := range whoamiMethods { // GET covers HEAD
		mux.HandleFunc(m+" /sessions/whoami", h.whoami)
	}
	mux.HandleFunc("GET /sessions", h.listOwn)
	mux.HandleFunc("DELETE /sessions", h.revokeOthers)
	mux.HandleFunc("DELETE /sessions/{id}", h.revokeOwn)
}

// whoami answers the request's session (§3.4): 200 with the session, 401
// without one, 403 when session.whoami.required_aal is not met. One indexed
// read, no write.
func (h *Handlers) whoami(w http.ResponseWriter, r *http.Request) {
	s, body, err := h.m.Whoami(r.Context(), r)
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	if err := h.m.CheckAAL(s, h.m.opts.WhoamiRequiredAAL); err != nil {
		h.ew.Write(w, r, err)
		return
	}
	w.Header().Set(HeaderIdentityID, s.IdentityID.String())
	if body != nil {
		web.WriteJSONBytes(w, http.StatusOK, body)
		return
	}
	h.writeSession(w, s)
}

// writeSession writes s as web.WriteJSON would, through the hand-written
// encoder (encode.go) when it can, else through encoding/json.
func (h *Handlers) writeSession(w http.ResponseWriter, s *Session) {
	bp, _ := h.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	b, ok := appendSessionJSON((*bp)[:0], s)
	if ok {
		web.WriteJSONBytes(w, http.StatusOK, b)
	} else {
		web.WriteJSON(w, http.StatusOK, s)
	}
	if cap(b) <= maxPooledBuffer {
		*bp = b[:0]
		h.bufs.Put(bp)
	}
}

// listOwn is GET /sessions: the caller's other active sessions (§3.6).
func (h *Handlers) listOwn(w http.ResponseWriter, r *http.Request) {
	s, err := h.m.FromRequest(r.Context(), r)
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	page, perPage, err := pageParams(r)
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	active := true
	list, err := h.m.st.ListIdentitySessions(r.Context(), s.IdentityID,
		ListParams{Active: &active, Except: s.ID, Page: page, PerPage: perPage})
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	for k := range list {
		list[k].Identity = h.m.publicIdentity(list[k].Identity)
	}
	web.WriteJSON(w, http.StatusOK, nonNil(list))
}

// revokeOthers is DELETE /sessions: deactivates every other session of the
// caller and reports how many (§3.6).
func (h *Handlers) revokeOthers(w http.ResponseWriter, r *http.Request) {
	s, err := h.m.FromRequest(r.Context(), r)
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	n, err := h.m.RevokeOtherSessions(r.Context(), s.IdentityID, s.ID)
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]int64{"count": n})
}

// revokeOwn is DELETE /sessions/{id} (§3.6); DELETE /sessions/whoami has
// its own, more specific pattern (whoami, as in Kratos). An unknown or
// foreign id is a 204 too: the caller learns nothing about other
// identities' sessions.
func (h *Handlers) revokeOwn(w http.ResponseWriter, r *http.Request) {
	s, err := h.m.FromRequest(r.Context(), r)
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.ew.Write(w, r, errBadUUID(err))
		return
	}
	if id == s.ID {
		h.ew.Write(w, r, &apierr.Error{Status: http.StatusBadRequest,
			Message: "cannot revoke current session", Debug: "use the logout flow instead"})
		return
	}
	if err := h.m.st.RevokeSession(r.Context(), s.IdentityID, id); err != nil {
		h.ew.Write(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// adminIdentity is an identity as admin session endpoints show it: no
// credentials (never loaded), metadata_admin kept, schema_url set.
func (m *Manager) adminIdentity(i *identity.Identity) *identity.Identity {
	if i == nil {
		return nil
	}
	c := *i
	c.Credentials = nil
	c.SchemaURL = identity.SchemaURL(m.opts.PublicURL, c.SchemaID)
	return &c
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil(l []Session) []Session {
	if l == nil {
		return []Session{}
	}
	return l
}
