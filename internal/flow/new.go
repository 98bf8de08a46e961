package flow

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/ui"
)

// CSRFNodeName is the name of the hidden CSRF input every flow carries.
const CSRFNodeName = "csrf_token"

// NewCSRFNode is the csrf_token input (foundation §1.2). Its value is set
// when the flow is rendered: the masked token for browser flows, "" for API
// flows.
func NewCSRFNode() ui.Node {
	return ui.NewInput(CSRFNodeName, "", ui.GroupDefault, ui.InputHidden, ui.Required())
}

// NewBase starts a flow of type t for the init request r: a random id,
// issued_at now, expires_at now+lifespan, request_url built on the public
// base URL (D14), return_to taken from the request after it passed the
// allow-list (D7), and a ui posting to PUBLIC/<submitPath>?flow=<id> that
// holds the csrf_token node. A browser flow gets the CSRF cookie (set on w
// when the request has none) and remembers the token's hash.
func (rs *Responder) NewBase(w http.ResponseWriter, r *http.Request, t Type, lifespan time.Duration, submitPath string) (Base, error) {
	returnTo := r.URL.Query().Get("return_to")
	if err := rs.ReturnTo.Check(returnTo, rs.DefaultReturnTo); err != nil {
		return Base{}, err
	}
	return rs.newBase(w, r, t, lifespan, submitPath, rs.RequestURL(r), returnTo), nil
}

// RenewBase starts the replacement of an expired flow: same type and
// request_url (so return_to is kept), fresh id and lifespan (foundation §7.2).
func (rs *Responder) RenewBase(w http.ResponseWriter, r *http.Request, old *Base, lifespan time.Duration, submitPath string) Base {
	return rs.newBase(w, r, old.Type, lifespan, submitPath, old.RequestURL, old.ReturnTo)
}

func (rs *Responder) newBase(w http.ResponseWriter, r *http.Request, t Type, lifespan time.Duration, submitPath, requestURL, returnTo string) Base {
	now := rs.now().UTC()
	id := uuid.New()
	b := Base{
		ID:         id,
		Type:       t,
		IssuedAt:   now,
		ExpiresAt:  now.Add(lifespan),
		RequestURL: requestURL,
		ReturnTo:   returnTo,
		State:      StateChooseMethod,
		UI:         ui.NewContainer(withQuery(rs.PublicPath(submitPath), "flow", id.String())),
	}
	b.UI.Nodes = append(b.UI.Nodes, NewCSRFNode())
	if t == TypeBrowser {
		tok := rs.CSRF.Ensure(w, r)
		b.csrfToken = tok
		b.CSRFTokenHash = HashCSRFToken(tok)
	}
	return b
}

// RequestURL is the URL of r as seen from outside: the public base URL's
// scheme, host and path prefix, then r's path and query (D14: never the
// Host header).
func (rs *Responder) RequestURL(r *http.Request) string {
	u := rs.PublicPath(r.URL.Path)
	u.RawQuery = r.URL.RawQuery
	return u.String()
}

// PublicPath is PUBLIC joined with path ("/self-service/login").
func (rs *Responder) PublicPath(path string) *url.URL {
	var u url.URL
	if rs.PublicURL != nil {
		u = *rs.PublicURL
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/" + strings.TrimPrefix(path, "/")
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	return &u
}

// Clock is the responder's current time (Now, or time.Now).
func (rs *Responder) Clock() time.Time { return rs.now() }

func (rs *Responder) now() time.Time {
	if rs.Now == nil {
		return time.Now()
	}
	return rs.Now()
}
