package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/web"
)

// schemaEntry is one element of GET /schemas.
type schemaEntry struct {
	ID     string          `json:"id"`
	Schema json.RawMessage `json:"schema"`
}

// listSchemas pages through the configured schemas in config order. Kratos
// slices this list in memory with a 0-based page (foundation §0.6).
func (h *handlers) listSchemas(w http.ResponseWriter, r *http.Request) {
	page, perPage, err := offsetParams(r, 0)
	if err != nil {
		h.ew.Write(w, r, err)
		return
	}
	all := h.d.Schemas.List()
	start := min(page*perPage, len(all))
	end := min(start+perPage, len(all))
	out := make([]schemaEntry, 0, end-start)
	for _, s := range all[start:end] {
		out = append(out, schemaEntry{ID: s.ID, Schema: s.Raw})
	}
	u := *h.d.PublicURL
	u.Path = joinPath(u.Path, "/schemas")
	setOffsetLinks(w, &u, int64(len(all)), page, perPage)
	web.WriteJSON(w, http.StatusOK, out)
}

// getSchema answers the schema file's exact bytes. The id may be the raw id
// or its base64url form, as schema_url uses.
func (h *handlers) getSchema(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s, ok := h.d.Schemas.Lookup(id)
	if !ok {
		h.ew.Write(w, r, apierr.NotFoundReason("Identity schema `%s` could not be found.", id))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(s.Raw)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(s.Raw)
}
