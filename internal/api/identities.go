package api

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/web"
)

// listIdentities serves both pagination styles: v1's page_size/page_token
// (keyset, stable under inserts) when either is present, else v0.10.1's
// page/per_page with X-Total-Count and Link (foundation §0.6, §5.3).
func (h *handlers) listIdentities(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	// Kratos builds the links on ADMIN/identities, without the /admin prefix
	// (foundation §5.3); following one costs a 307, as with Kratos.
	base := *h.d.AdminURL
	base.Path = joinPath(base.Path, "/identities")

	if q.Has("page_size") || q.Has("page_token") {
		size, err := intParam(q, "page_size", defaultPerPage, 1, maxPerPage)
		if err != nil {
			h.ew.Write(w, r, err)
			return
		}
		var after uuid.UUID
		if tok := q.Get("page_token"); tok != "" {
			if after, err = decodePageToken(tok); err != nil {
				h.ew.Write(w, r, err)
				return
			}
		}
		res, err := h.d.Store.ListIdentities(r.Context(), identity.ListParams{Keyset: true, PageSize: size, PageToken: after})
		if err != nil {
			h.ew.Write(w, r, err)
			return
		}
		setKeysetLinks(w, &base, size, res.NextToken)
		web.WriteJSON(w, http.StatusOK, h.publicList(res.Identities))
		return
	}

	page, perPage, err := offsetParams(r, 0)
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	// SQL pages are 1-based; Kratos treats page 0 and 1 alike (foundation §0.6).
	res, err := h.d.Store.ListIdentities(r.Context(), identity.ListParams{Page: max(page, 1), PerPage: perPage})
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	setOffsetLinks(w, &base, res.Total, page, perPage)
	web.WriteJSON(w, http.StatusOK, h.publicList(res.Identities))
}

// publicList strips what the list never shows: credentials and metadata_admin.
func (h *handlers) publicList(ids []identity.Identity) []identity.Identity {
	out := make([]identity.Identity, len(ids))
	for i, id := range ids {
		out[i] = id.Public()
		out[i].SchemaURL = h.d.Identities.SchemaURL(id.SchemaID)
	}
	return out
}

// includableCredentials are the types include_credential may name. Only
// oidc's config is ever shown (it holds the provider list, as Kratos); for
// the others the parameter is accepted and changes nothing, so a hash never
// leaves the server.
var includableCredentials = []identity.CredentialsType{
	identity.CredentialsPassword, identity.CredentialsOIDC, identity.CredentialsTOTP,
	identity.CredentialsLookupSecret, identity.CredentialsWebAuthn,
}

func (h *handlers) getIdentity(w http.ResponseWriter, r *http.Request) {
	showOIDC := false
	for _, c := range r.URL.Query()["include_credential"] {
		if !slices.Contains(includableCredentials, identity.CredentialsType(c)) {
			h.ew.Write(w, r, apierr.BadRequest("Invalid value `%s` for parameter `include_credential`.", c))
			return
		}
		showOIDC = showOIDC || c == string(identity.CredentialsOIDC)
	}
	id, ok := h.identityID(w, r)
	if !ok {
		return
	}
	i, err := h.d.Store.FindIdentityByID(r.Context(), id, true)
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	i.SchemaURL = h.d.Identities.SchemaURL(i.SchemaID)
	web.WriteJSON(w, http.StatusOK, adminView(*i, showOIDC))
}

// adminView is the identity as admin responses show it: credentials without
// their config (except oidc when asked for), metadata_admin included.
func adminView(i identity.Identity, showOIDC bool) identity.Identity {
	var oidc *identity.Credentials
	if c, ok := i.Credentials[identity.CredentialsOIDC]; ok && showOIDC {
		oidc = &c
	}
	v := i.WithoutCredentialConfig()
	if oidc != nil {
		v.Credentials[identity.CredentialsOIDC] = *oidc
	}
	return v
}

func (h *handlers) createIdentity(w http.ResponseWriter, r *http.Request) {
	var p identity.CreateParams
	if err := web.DecodeJSON(r, &p); err != nil {
		h.ew.Write(w, r, err)
		return
	}
	i, err := h.d.Identities.Create(r.Context(), p)
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	loc := *h.d.AdminURL
	loc.Path = joinPath(loc.Path, "/admin/identities/"+i.ID.String())
	w.Header().Set("Location", loc.String())
	web.WriteJSON(w, http.StatusCreated, adminView(*i, false))
}

func (h *handlers) updateIdentity(w http.ResponseWriter, r *http.Request) {
	id, ok := h.identityID(w, r)
	if !ok {
		return
	}
	var p identity.UpdateParams
	if err := web.DecodeJSON(r, &p); err != nil {
		h.ew.Write(w, r, err)
		return
	}
	i, err := h.d.Identities.Update(r.Context(), id, p)
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, adminView(*i, false))
}

// patchIdentity applies an RFC 6902 JSON Patch (v1's patchIdentity).
func (h *handlers) patchIdentity(w http.ResponseWriter, r *http.Request) {
	id, ok := h.identityID(w, r)
	if !ok {
		return
	}
	if r.ContentLength == 0 {
		h.ew.Write(w, r, apierr.BadRequest(`Unable to decode HTTP Request Body because its HTTP Header "Content-Length" is zero.`))
		return
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	if !json.Valid(raw) {
		h.ew.Write(w, r, apierr.BadRequest("The request body is not a valid JSON Patch document."))
		return
	}
	i, err := h.d.Identities.Patch(r.Context(), id, raw)
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, adminView(*i, false))
}

func (h *handlers) deleteIdentity(w http.ResponseWriter, r *http.Request) {
	id, ok := h.identityID(w, r)
	if !ok {
		return
	}
	if err := h.d.Store.DeleteIdentity(r.Context(), id); err != nil {
		h.ew.Write(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// identityID parses {id}. A malformed id is a 404, as Kratos answers it
// (foundation §5.3): no identity can have it.
func (h *handlers) identityID(w http.ResponseWriter, r *http.Request) (uuid.UUID, bool) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.ew.Write(w, r, apierr.NotFound())
		return uuid.Nil, false
	}
	return id, true
}
