package session

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/web"
)

// RegisterAdmin adds the admin-port routes (every path under /admin).
// "/admin/sessions/{id}" takes every method and dispatches itself: a
// method-specific pattern would overlap ambiguously with the existing
// "/admin/sessions/whoami" redirect to the public port.
func (h *Handlers) RegisterAdmin(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin/identities/{id}/sessions", h.adminListIdentitySessions)
	mux.HandleFunc("DELETE /admin/identities/{id}/sessions", h.adminDeleteIdentitySessions)
	mux.HandleFunc("PATCH /admin/sessions/{id}/extend", h.adminExtend)
	mux.HandleFunc("GET /admin/sessions", h.adminList) // v1; other methods keep redirecting to the public port
	mux.HandleFunc("/admin/sessions/{id}", h.adminSession)
}

// adminListIdentitySessions is GET /admin/identities/{id}/sessions (§3.7):
// all sessions, or only active=true/false ones; an unknown identity has [].
func (h *Handlers) adminListIdentitySessions(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.ew.Write(w, r, errBadUUID(err))
		return
	}
	var active *bool
	if raw := r.URL.Query().Get("active"); raw != "" {
		b, err := strconv.ParseBool(raw)
		if err != nil {
			h.ew.Write(w, r, &apierr.Error{Status: http.StatusBadRequest, Message: "could not parse parameter active"})
			return
		}
		active = &b
	}
	page, perPage, err := pageParams(r)
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	list, err := h.m.st.ListIdentitySessions(r.Context(), id, ListParams{Active: active, Page: page, PerPage: perPage})
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	for k := range list {
		list[k].Identity = h.m.adminIdentity(list[k].Identity)
	}
	web.WriteJSON(w, http.StatusOK, nonNil(list))
}

// adminDeleteIdentitySessions hard-deletes an identity's sessions: 204, or
// 404 when there were none (§3.7).
func (h *Handlers) adminDeleteIdentitySessions(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.ew.Write(w, r, errBadUUID(err))
		return
	}
	if err := h.m.st.DeleteIdentitySessions(r.Context(), id); err != nil {
		h.ew.Write(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// adminExtend is PATCH /admin/sessions/{id}/extend (§3.5): when the session
// is within earliest_possible_extend of its expiry (by default always), it
// now expires a full lifespan from now. 200 with the session either way;
// whether it is active is not checked, as in Kratos.
func (h *Handlers) adminExtend(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.ew.Write(w, r, errBadUUID(err))
		return
	}
	s, err := h.m.st.FindSessionByID(r.Context(), id, true)
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	now := h.m.now()
	if s.ExpiresAt.Add(-h.m.opts.EarliestPossibleExtend).Before(now) {
		s.ExpiresAt = now.Add(h.m.opts.Lifespan)
		if err := h.m.st.UpdateSession(r.Context(), s); err != nil {
			h.ew.Write(w, r, err)
			return
		}
	}
	s.Identity = h.m.adminIdentity(s.Identity)
	web.WriteJSON(w, http.StatusOK, s)
}

// adminSession serves v1's GET and DELETE /admin/sessions/{id}.
func (h *Handlers) adminSession(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodDelete:
	default:
		w.Header().Set("Allow", "GET, HEAD, DELETE")
		h.ew.Write(w, r, &apierr.Error{Status: http.StatusMethodNotAllowed,
			Reason: "The method " + r.Method + " is not allowed on " + r.URL.Path + "."})
		return
	}
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.ew.Write(w, r, errBadUUID(err))
		return
	}
	if r.Method == http.MethodDelete {
		// Deactivate, not delete: v1's disableSession.
		if err := h.m.st.DeactivateSession(r.Context(), id); err != nil {
			h.ew.Write(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	withIdentity, err := expandParam(r)
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	s, err := h.m.st.FindSessionByID(r.Context(), id, withIdentity)
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	s.Identity = h.m.adminIdentity(s.Identity)
	web.WriteJSON(w, http.StatusOK, s)
}

// adminList is v1's GET /admin/sessions: every session of the network,
// newest first, in keyset pages (page_size, page_token; Link rel="next").
func (h *Handlers) adminList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	size, err := intParam(q, "page_size", defaultPerPage, 1, maxPerPage)
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	p := KeysetParams{PageSize: size}
	if tok := q.Get("page_token"); tok != "" {
		if p.After, err = decodeCursor(tok); err != nil {
			h.ew.Write(w, r, err)
			return
		}
	}
	if raw := q.Get("active"); raw != "" {
		b, err := strconv.ParseBool(raw)
		if err != nil {
			h.ew.Write(w, r, &apierr.Error{Status: http.StatusBadRequest, Message: "could not parse parameter active"})
			return
		}
		p.Active = &b
	}
	if p.WithIdentity, err = expandParam(r); err != nil {
		h.ew.Write(w, r, err)
		return
	}
	page, err := h.m.st.ListSessions(r.Context(), p)
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	for k := range page.Sessions {
		page.Sessions[k].Identity = h.m.adminIdentity(page.Sessions[k].Identity)
	}
	setKeysetLink(w, r, size, page.Next)
	web.WriteJSON(w, http.StatusOK, nonNil(page.Sessions))
}

// expandParam reads v1's expand=identity|devices (repeatable). Devices are
// always shown (Warden records none yet, so the list is empty).
func expandParam(r *http.Request) (withIdentity bool, err error) {
	for _, e := range r.URL.Query()["expand"] {
		switch e {
		case "identity":
			withIdentity = true
		case "devices":
		default:
			return false, apierr.BadRequest("Could not parse expand option: %s", e)
		}
	}
	return withIdentity, nil
}
