package hook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// WebHook is web_hook: render the body template with the flow's context and
// call the configured URL (settings spec §8.3, foundation §2.3 step 5).
type WebHook struct {
	o       webHookOptions
	client  *http.Client
	log     *slog.Logger
	timeout time.Duration
}

// IdentityUpdater is a hook that can change the identity before it is saved
// (v1 web_hook with response.parse). Pre-persist callers use RunForUpdate
// instead of Run to get the change.
type IdentityUpdater interface {
	Hook
	RunForUpdate(ctx context.Context, hc Context) (*IdentityUpdate, error)
}

var _ IdentityUpdater = (*WebHook)(nil)

// newWebHook validates the config and loads the body template once.
func newWebHook(path string, cfg map[string]any, deps Deps) (*WebHook, error) {
	log := logger(deps)
	o, body, errs := decodeWebHook(path, cfg, log)
	client, err := newClient(deps)
	if err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", path, err))
	}
	if len(errs) > 0 {
		return nil, joinErrs(errs)
	}
	if body != "" {
		// The diagnostic name is the key, not the source: a base64:// source
		// would be unreadable and an http(s) one may carry a token.
		t, err := loadTemplate(body, path+".config.body", client, timeout(deps))
		if err != nil {
			return nil, fmt.Errorf("%s.config.body: %w", path, err)
		}
		o.body = t
	}
	return &WebHook{o: o, client: client, log: log, timeout: timeout(deps)}, nil
}

// Name implements Hook.
func (*WebHook) Name() string { return NameWebHook }

// PrePersist reports whether Kratos runs this hook before the identity is
// saved (response.parse or can_interrupt) rather than after.
func (w *WebHook) PrePersist() bool { return w.o.parse }

// Run calls the hook and drops any identity update.
func (w *WebHook) Run(ctx context.Context, hc Context) error {
	_, err := w.RunForUpdate(ctx, hc)
	return err
}

// RunForUpdate calls the hook. With response.ignore it returns at once and
// the call runs in the background; otherwise it waits, bounded by the
// timeout and ctx. A nil update means the hook asked for no change.
func (w *WebHook) RunForUpdate(ctx context.Context, hc Context) (*IdentityUpdate, error) {
	ctxJSON, err := contextJSON(hc)
	if err != nil {
		return nil, err
	}
	if w.o.ignore {
		// Fire and forget (Kratos: async, errors ignored). Detached from the
		// request, which is usually answered before the call finishes.
		bg := context.WithoutCancel(ctx)
		go func() {
			cctx, cancel := context.WithTimeout(bg, w.timeout)
			defer cancel()
			if _, err := w.call(cctx, ctxJSON); err != nil {
				w.log.WarnContext(cctx, "hook: web_hook failed; ignored because response.ignore is set",
					"target", w.o.host, "error", err)
			}
		}()
		return nil, nil
	}
	cctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	u, err := w.call(cctx, ctxJSON)
	if err != nil {
		var ie *InterruptError
		if !errors.As(err, &ie) {
			w.log.WarnContext(ctx, "hook: web_hook failed", "target", w.o.host, "error", err)
		}
		return nil, err
	}
	return u, nil
}

// call renders the body, sends the request and reads the outcome.
func (w *WebHook) call(ctx context.Context, ctxJSON string) (*IdentityUpdate, error) {
	body, err := w.body(ctxJSON)
	if errors.Is(err, errCancel) {
		w.log.DebugContext(ctx, "hook: web_hook canceled by its template", "target", w.o.host)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, w.o.method, w.o.url, rd)
	if err != nil {
		return nil, fmt.Errorf("hook: web hook request to %s: %w", w.o.host, unwrapURLError(err))
	}
	req.Header = w.o.header.Clone()
	w.o.auth.apply(req)
	resp, err := w.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("hook: web hook request to %s: %w", w.o.host, unwrapURLError(err))
	}
	defer func() { _ = resp.Body.Close() }()
	return readResult(resp, w.o.parse)
}

// body renders the request body; nil when there is no template or the
// method is TRACE (Kratos sends a body with every other method).
func (w *WebHook) body(ctxJSON string) ([]byte, error) {
	if w.o.body == nil || w.o.method == http.MethodTrace {
		return nil, nil
	}
	out, err := w.o.body.render(ctxJSON)
	if err != nil {
		return nil, err
	}
	if !w.o.form {
		return []byte(out), nil
	}
	// Form bodies: the template yields a flat object of strings (Kratos).
	var fields map[string]string
	if err := json.Unmarshal([]byte(out), &fields); err != nil {
		return nil, errors.New("hook: web hook form body template must yield an object of strings")
	}
	v := url.Values{}
	for k, s := range fields {
		v.Set(k, s)
	}
	return []byte(v.Encode()), nil
}

// unwrapURLError drops *url.Error's "Post \"<url>\":" prefix: the URL may
// hold a token in its path or query.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
