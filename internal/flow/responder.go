package flow

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
	"github.com/warden-id/warden/internal/web"
)

// Responder is the one place that decides how every flow answers: flow
// JSON, a redirect to a UI, or an error (envelope or error UI). Flows
// describe themselves with a Kind and never write answers of their own
// except on success. It is safe for concurrent use once built.
type Responder struct {
	PublicURL *url.URL // serve.public.base_url
	// DefaultReturnTo is selfservice.default_browser_return_url; relative
	// return_to values take their scheme and host from it (§0.5).
	DefaultReturnTo *url.URL
	ReturnTo        *ReturnToPolicy
	CSRF            web.CSRF
	Errors          *ErrorManager
	Writer          web.ErrorWriter
	Now             func() time.Time
	// DisableAPIFlowEnforcement skips the Origin/Cookie checks of API flows:
	// set only with --dev and DEV_DISABLE_API_FLOW_ENFORCEMENT=true (§8.3).
	DisableAPIFlowEnforcement bool
}

// Kind describes one flow type (login, registration, …) to the responder.
type Kind struct {
	// Name is "login", "registration", …: used in reasons and paths.
	Name string
	// UIURL is selfservice.flows.<name>.ui_url (may be relative).
	UIURL *url.URL
	// ErrorRedirect is the status of the HTML redirect back to the UI after
	// a flow error: 303, but 302 for registration (foundation §0.7 step 4).
	ErrorRedirect int
	// Save persists a flow after messages were embedded into it.
	Save func(ctx context.Context, f Flow) error
	// Renew creates and persists the replacement of an expired flow (same
	// type and request_url, fresh id and lifespan) carrying the "expired"
	// message (foundation §7.2).
	Renew func(ctx context.Context, w http.ResponseWriter, r *http.Request, old Flow, e *ExpiredError) (Flow, error)
}

// WriteFlow writes f as JSON with status, with the csrf_token node filled
// in: the masked token for browser flows (from the cookie minted in this
// response, or the request's), "" for API flows.
func (rs *Responder) WriteFlow(w http.ResponseWriter, r *http.Request, status int, f Flow) {
	rs.fillCSRF(r, f.FlowBase())
	web.WriteJSON(w, status, f)
}

func (rs *Responder) fillCSRF(r *http.Request, b *Base) {
	if b.UI == nil {
		return
	}
	value := ""
	if b.Type == TypeBrowser {
		tok := b.csrfToken
		if tok == nil {
			tok = rs.CSRF.Token(r)
		}
		value = web.Mask(tok)
	}
	b.UI.SetValue(CSRFNodeName, value)
}

// Created answers a successful init (foundation §1.3): API flows get the
// flow JSON; browser flows get a 303 to <ui_url>?flow=<id>, or the flow
// JSON when the request asks for JSON (Accept only).
func (rs *Responder) Created(w http.ResponseWriter, r *http.Request, k Kind, f Flow) {
	b := f.FlowBase()
	if b.Type == TypeAPI || web.AcceptsJSON(r) {
		rs.WriteFlow(w, r, http.StatusOK, f)
		return
	}
	http.Redirect(w, r, withQuery(k.UIURL, "flow", b.ID.String()), http.StatusSeeOther)
}

// InitError answers an error of an init endpoint: API inits write the
// envelope; browser inits go through the error manager (JSON requests get
// the envelope, browsers the error UI).
func (rs *Responder) InitError(w http.ResponseWriter, r *http.Request, t Type, err error) {
	if t == TypeAPI {
		rs.Writer.Write(w, r, err)
		return
	}
	rs.Errors.Redirect(w, r, err)
}

// CheckFetch applies the fetch rules (foundation §1.4): a browser flow is
// only shown to the browser holding its CSRF cookie (403), and an expired
// flow is a 410 pointing at the init endpoint.
func (rs *Responder) CheckFetch(r *http.Request, k Kind, f Flow) error {
	b := f.FlowBase()
	if b.Type == TypeBrowser && !csrfHashMatches(b.CSRFTokenHash, rs.CSRF.Token(r)) {
		return web.ErrCSRF()
	}
	if !b.Expired(rs.now()) {
		return nil
	}
	e := &apierr.Error{Status: http.StatusGone, ID: "self_service_flow_expired"}
	if b.Type == TypeAPI {
		e.Reason = "The " + k.Name + " flow has expired. Call the " + k.Name + " flow init API endpoint to initialize a new " + k.Name + " flow."
		e.Details = map[string]any{"api": rs.PublicPath("/self-service/" + k.Name + "/api").String()}
		return e
	}
	redirectTo := rs.PublicPath("/self-service/" + k.Name + "/browser")
	if b.ReturnTo != "" {
		redirectTo.RawQuery = url.Values{"return_to": {b.ReturnTo}}.Encode()
	}
	e.Reason = "The " + k.Name + " flow has expired. Redirect the user to the " + k.Name + " flow init endpoint to initialize a new " + k.Name + " flow."
	e.Details = map[string]any{"redirect_to": redirectTo.String(), "return_to": b.ReturnTo}
	return e
}

// CheckSubmission applies the per-type request rules of a submission
// (foundation §8.3): an API flow refuses requests that carry an Origin
// header or any cookie not named __cf* (400, embedded into the flow); a
// browser flow needs the body's csrf_token to match the CSRF cookie (403).
func (rs *Responder) CheckSubmission(r *http.Request, f Flow, csrfToken string) error {
	if f.FlowBase().Type == TypeAPI {
		if rs.DisableAPIFlowEnforcement {
			return nil
		}
		if r.Header.Get("Origin") != "" {
			return ErrOriginOnAPIFlow()
		}
		for _, c := range r.Cookies() {
			if !strings.HasPrefix(c.Name, "__cf") {
				return ErrCookieOnAPIFlow()
			}
		}
		return nil
	}
	if !rs.CSRF.Valid(r, csrfToken) {
		return web.ErrCSRF()
	}
	return nil
}

// RedirectToUI sends the browser to <ui_url>?flow=<id>.
func (rs *Responder) RedirectToUI(w http.ResponseWriter, r *http.Request, status int, k Kind, f Flow) {
	http.Redirect(w, r, withQuery(k.UIURL, "flow", f.FlowBase().ID.String()), status)
}

// FlowError answers err for flow f (nil when the flow id was missing or
// unknown), following foundation §0.7:
//  1. no flow: the error manager answers;
//  2. an *ExpiredError: a replacement flow is created and the client is
//     sent to it (410 with use_flow_id, or a 303 to the UI);
//  3. form errors (*FormError, *identity.ValidationError, any 400) are
//     embedded into the flow after its old messages are cleared; every
//     other error is answered as an error: the envelope for API flows, the
//     error manager for browser flows;
//  4. the flow is saved, then browsers are redirected to the UI and
//     everyone else gets the flow JSON with the error's status.
func (rs *Responder) FlowError(w http.ResponseWriter, r *http.Request, k Kind, f Flow, err error) {
	if f == nil {
		rs.Errors.Redirect(w, r, err)
		return
	}
	b := f.FlowBase()
	var expired *ExpiredError
	if errors.As(err, &expired) {
		rs.expired(w, r, k, f, expired)
		return
	}
	status, embeddable := formStatus(err)
	if !embeddable {
		rs.InitError(w, r, b.Type, err) // same routing as an init error
		return
	}
	if b.UI == nil {
		b.UI = ui.NewContainer("")
	}
	b.UI.ResetMessages()
	embed(b.UI, err)
	if serr := k.Save(r.Context(), f); serr != nil {
		rs.InitError(w, r, b.Type, serr)
		return
	}
	if b.Type == TypeBrowser && !web.IsJSONRequest(r) {
		rs.RedirectToUI(w, r, k.ErrorRedirect, k, f)
		return
	}
	rs.WriteFlow(w, r, status, f)
}

func (rs *Responder) expired(w http.ResponseWriter, r *http.Request, k Kind, f Flow, e *ExpiredError) {
	b := f.FlowBase()
	nf, err := k.Renew(r.Context(), w, r, f, e)
	if err != nil {
		rs.InitError(w, r, b.Type, err)
		return
	}
	if b.Type == TypeAPI || web.IsJSONRequest(r) {
		rs.Writer.Write(w, r, e.envelope(nf.FlowBase().ID))
		return
	}
	rs.RedirectToUI(w, r, http.StatusSeeOther, k, nf)
}

// formStatus says whether err is embedded into the flow, and with which
// status.
func formStatus(err error) (int, bool) {
	var fe *FormError
	if errors.As(err, &fe) {
		return fe.StatusCode(), true
	}
	var ve *identity.ValidationError
	if errors.As(err, &ve) {
		return http.StatusBadRequest, true
	}
	if e := apierr.As(err); e != nil && e.StatusCode() == http.StatusBadRequest {
		return http.StatusBadRequest, true
	}
	return 0, false
}

// embed puts err's messages on the flow: form errors on their fields,
// schema violations on the traits.* node named by the instance path (a new
// text input when no such node exists), any other 400 as a flow-level
// 4000001 carrying its reason.
func embed(c *ui.Container, err error) {
	var fe *FormError
	if errors.As(err, &fe) {
		for _, m := range fe.Messages {
			c.AddMessage(m.Field, m.Message)
		}
		return
	}
	var ve *identity.ValidationError
	if errors.As(err, &ve) {
		for _, cause := range ve.Causes {
			c.AddMessage(strings.Join(cause.Path, "."), cause.Message)
		}
		return
	}
	e := apierr.As(err)
	reason := e.Reason
	if reason == "" {
		reason = e.Message
	}
	if reason == "" {
		reason = apierr.BaseMessage(e.StatusCode())
	}
	// Kratos's 400 → 4000001 mapping carries no context (settings §3.6).
	c.AddMessage("", text.Message{ID: text.IDValidationGeneric, Text: reason, Type: text.Error})
}

// Fetch answers GET /self-service/<flow>/flows?id= for flows that need no
// session (login, registration; foundation §1.4): an unknown or malformed
// id is a 404, then CheckFetch's CSRF and expiry rules, always as JSON. The
// caller has already set the CSRF cookie and applied its own preconditions.
func (rs *Responder) Fetch(w http.ResponseWriter, r *http.Request, k Kind, load func(context.Context, uuid.UUID) (Flow, error)) {
	id, err := ParseFetchID(r)
	if err == nil {
		var f Flow
		if f, err = load(r.Context(), id); err == nil {
			if err = rs.CheckFetch(r, k, f); err == nil {
				rs.WriteFlow(w, r, http.StatusOK, f)
				return
			}
		}
	}
	rs.Writer.Write(w, r, err)
}
