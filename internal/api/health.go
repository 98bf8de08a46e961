package api

import (
	"net/http"

	"github.com/warden-id/warden/internal/web"
)

func (h *handlers) alive(w http.ResponseWriter, r *http.Request) {
	web.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyPublic hides the causes: the public port is reachable by anyone
// (foundation §10, Kratos obfuscates them the same way).
func (h *handlers) readyPublic(w http.ResponseWriter, r *http.Request) {
	h.ready(w, r, func(error) string { return "error may contain sensitive information and was obfuscated" })
}

// readyAdmin shows the real causes to operators.
func (h *handlers) readyAdmin(w http.ResponseWriter, r *http.Request) {
	h.ready(w, r, func(err error) string { return err.Error() })
}

func (h *handlers) ready(w http.ResponseWriter, r *http.Request, describe func(error) string) {
	dbErr, migErr := h.d.Ready(r.Context())
	if dbErr == nil && migErr == nil {
		web.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return
	}
	errs := map[string]string{}
	if dbErr != nil {
		errs["database"] = describe(dbErr)
	}
	if migErr != nil {
		errs["migrations"] = describe(migErr)
	}
	web.WriteJSON(w, http.StatusServiceUnavailable, map[string]any{"errors": errs})
}

func (h *handlers) version(w http.ResponseWriter, r *http.Request) {
	web.WriteJSON(w, http.StatusOK, map[string]string{"version": h.d.Version})
}
