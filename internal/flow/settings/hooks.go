package settings

import (
	"errors"
	"net/http"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/hook"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
)

// hooksFor is the after-settings hook list of a method (§8.2 step 5):
// after.<method>.hooks when configured, else after.hooks.
func (h *Handler) hooksFor(method string) []hook.Hook {
	if hs, ok := h.o.AfterMethodHooks[method]; ok {
		return hs
	}
	return h.o.AfterHooks
}

// runHooks runs the hooks of one slot in order and stops at the first
// error. pre selects the pre-persist slot (v1 web_hooks that parse their
// answer) instead of the post-persist one.
func (h *Handler) runHooks(r *http.Request, f *Flow, i *identity.Identity, sess *session.Session, hooks []hook.Hook, pre bool) error {
	var hc *hook.Context
	for _, hk := range hooks {
		if prePersist(hk) != pre {
			continue
		}
		if hc == nil {
			view := adminView(i)
			hc = &hook.Context{
				Flow:             f,
				Identity:         &view,
				RequestHeaders:   r.Header.Clone(),
				RequestMethod:    r.Method,
				RequestURL:       h.rs.RequestURL(r),
				FlowType:         string(f.Type),
				IdentityID:       sess.IdentityID,
				CurrentSessionID: sess.ID,
			}
		}
		if err := hk.Run(r.Context(), *hc); err != nil {
			return err
		}
	}
	return nil
}

// prePersist reports whether hk runs before the identity is saved: a
// web_hook that parses its answer (hook.PrePersist's rule, for any hook
// that says so).
func prePersist(hk hook.Hook) bool {
	p, ok := hk.(interface{ PrePersist() bool })
	return ok && p.PrePersist()
}

// preHookFailed answers a pre-persist hook's refusal: a parsing web_hook's
// messages go on the form (v1 interruption); any other failure is answered
// like a failed post-persist hook, with nothing saved.
func (h *Handler) preHookFailed(w http.ResponseWriter, r *http.Request, f *Flow, err error) {
	var ie *hook.InterruptError
	if !errors.As(err, &ie) {
		h.hookFailed(w, r, f, err)
		return
	}
	fe := &flow.FormError{Err: err}
	for _, fm := range ie.Messages {
		for _, m := range fm.Messages {
			fe.Add(fm.Field, m)
		}
	}
	h.fail(w, r, f, fe)
}
