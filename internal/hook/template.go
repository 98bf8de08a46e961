package hook

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"os"
	"strings"
	"time"

	"github.com/google/go-jsonnet"
	"github.com/google/go-jsonnet/ast"
)

// errCancel is a template's `error "cancel"`: skip the call, no failure.
var errCancel = errors.New("hook: web hook canceled by its template")

// template is a body template, parsed once at startup. The AST is only read
// during evaluation, so one template serves concurrent calls, each with its
// own VM.
type template struct {
	node ast.Node
}

// maxTemplate bounds a fetched template.
const maxTemplate = 1 << 20

// loadTemplate reads a body source (Kratos's fetcher schemes: base64://,
// file://, http(s)://, and a bare path, which Kratos still accepts with a
// deprecation warning) and parses it. name is the diagnostic file name used
// in parse and runtime errors.
func loadTemplate(src, name string, client *http.Client, limit time.Duration) (*template, error) {
	var b []byte
	switch {
	case strings.HasPrefix(src, "base64://"):
		s := strings.TrimPrefix(src, "base64://")
		var err error
		if b, err = decodeBase64(s); err != nil {
			return nil, fmt.Errorf("base64:// source is not valid base64: %w", err)
		}
	case strings.HasPrefix(src, "file://"):
		var err error
		if b, err = os.ReadFile(strings.TrimPrefix(src, "file://")); err != nil {
			return nil, fmt.Errorf("read template: %w", err)
		}
	case strings.HasPrefix(src, "http://"), strings.HasPrefix(src, "https://"):
		var err error
		if b, err = fetchTemplate(src, client, limit); err != nil {
			return nil, err
		}
	case strings.Contains(src, "://"):
		return nil, errors.New("unsupported scheme; use file://, base64://, http:// or https://")
	default:
		var err error
		if b, err = os.ReadFile(src); err != nil {
			return nil, fmt.Errorf("read template: %w", err)
		}
	}
	node, err := jsonnet.SnippetToAST(name, string(b))
	if err != nil {
		return nil, fmt.Errorf("template does not parse: %w", err)
	}
	return &template{node: node}, nil
}

// decodeBase64 accepts standard and URL-safe, padded or not.
func decodeBase64(s string) ([]byte, error) {
	var firstErr error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(s)
		if err == nil {
			return b, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// fetchTemplate GETs an http(s) template at startup. Errors name only the
// host: template URLs may carry tokens.
func fetchTemplate(src string, client *http.Client, limit time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, errors.New("template URL is not valid")
	}
	host := req.URL.Host
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch template from %s: %w", host, unwrapURLError(err))
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch template from %s: status code %d", host, resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxTemplate+1))
	if err != nil {
		return nil, fmt.Errorf("fetch template from %s: %w", host, err)
	}
	if len(b) > maxTemplate {
		return nil, fmt.Errorf("fetch template from %s: larger than %d bytes", host, maxTemplate)
	}
	return b, nil
}

// render evaluates the template with the context JSON bound both as the
// top-level argument ctx (Kratos's `function(ctx) {…}`: it calls
// vm.TLACode("ctx", …)) and as std.extVar('ctx'). A template that is not a
// function ignores the TLA. Imports are refused, like Kratos's sandboxed VM.
func (t *template) render(ctxJSON string) (string, error) {
	vm := jsonnet.MakeVM()
	vm.Importer(noImports{})
	vm.ExtCode("ctx", ctxJSON)
	vm.TLACode("ctx", ctxJSON)
	out, err := vm.Evaluate(t.node)
	if err != nil {
		var rte jsonnet.RuntimeError
		// Kratos matches "RUNTIME ERROR: cancel" as a substring of the
		// formatted error, so any message starting with "cancel" cancels.
		if errors.As(err, &rte) && strings.HasPrefix(rte.Msg, "cancel") {
			return "", errCancel
		}
		return "", fmt.Errorf("hook: web hook body template: %s", strings.TrimSpace(vm.ErrorFormatter.Format(err)))
	}
	return out, nil
}

// noImports refuses every import.
type noImports struct{}

func (noImports) Import(_, path string) (jsonnet.Contents, string, error) {
	return jsonnet.Contents{}, "", fmt.Errorf("imports are not allowed in web hook templates (%q)", path)
}

// templateContext is the ctx a template sees (Kratos's templateContext:
// v0.10.1 fields plus v1's request_cookies and session).
type templateContext struct {
	Flow           any               `json:"flow"`
	RequestHeaders http.Header       `json:"request_headers"`
	RequestMethod  string            `json:"request_method"`
	RequestURL     string            `json:"request_url"`
	RequestCookies map[string]string `json:"request_cookies"`
	Identity       any               `json:"identity,omitempty"`
	Session        any               `json:"session,omitempty"`
}

// forwardedHeaders is Kratos v1's RequestHeaderAllowList: only these request
// headers reach the template. v0.10.1 passed every header, including Cookie
// and Authorization; v1 stopped that, and so do we.
var forwardedHeaders = map[string]bool{
	"Accept": true, "Accept-Encoding": true, "Accept-Language": true, "Content-Length": true,
	"Content-Type": true, "Origin": true, "Priority": true, "Referer": true, "Sec-Ch-Ua": true,
	"Sec-Ch-Ua-Mobile": true, "Sec-Ch-Ua-Platform": true, "Sec-Fetch-Dest": true, "Sec-Fetch-Mode": true,
	"Sec-Fetch-Site": true, "Sec-Fetch-User": true, "True-Client-Ip": true, "User-Agent": true,
}

// contextJSON snapshots hc as the template's ctx. It runs before Run returns,
// so an async call never reads values the flow changes afterwards.
func contextJSON(hc Context) (string, error) {
	headers := http.Header{}
	for k, v := range hc.RequestHeaders {
		if forwardedHeaders[textproto.CanonicalMIMEHeaderKey(k)] {
			headers[k] = append([]string(nil), v...)
		}
	}
	cookies := map[string]string{}
	for _, c := range (&http.Request{Header: hc.RequestHeaders}).Cookies() {
		if c.Name != "" {
			cookies[c.Name] = c.Value
		}
	}
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	err := enc.Encode(templateContext{
		Flow:           hc.Flow,
		RequestHeaders: headers,
		RequestMethod:  hc.RequestMethod,
		RequestURL:     hc.RequestURL,
		RequestCookies: cookies,
		Identity:       hc.Identity,
		Session:        hc.Session,
	})
	if err != nil {
		return "", fmt.Errorf("hook: encode web hook context: %w", err)
	}
	return sb.String(), nil
}
