package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/warden-id/warden/internal/apierr"
)

// Kratos's decoder reasons (settings §1.5). Clients show them; keep them.
const (
	reasonEmptyBody   = `Unable to decode HTTP Request Body because its HTTP Header "Content-Length" is zero.`
	reasonContentType = `HTTP POST Request used unknown HTTP Header "Content-Type: %s", only [application/x-www-form-urlencoded multipart/form-data application/json] are supported.`
)

// maxFormDepth bounds dotted keys ("a.b.c…") so a hostile form cannot build
// arbitrarily deep maps.
const maxFormDepth = 32

// DecodeJSON decodes a JSON body strictly into dst: unknown fields, trailing
// data, an empty body or an over-limit body are 4xx errors with a reason a
// person can act on. Used by the admin API, where Kratos decodes strictly.
func DecodeJSON(r *http.Request, dst any) error {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return apierr.BadRequest(reasonEmptyBody)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return apierr.BadRequest(`The request's Content-Type %q is not supported, only "application/json" is.`, ct)
		}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeErr(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeErr(err)
		}
		return apierr.BadRequest("The request body contains data after the JSON value.")
	}
	return nil
}

// decodeErr turns a JSON decoding failure into a 400 (D12) or a 413.
func decodeErr(err error) error {
	var tooLarge *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooLarge):
		return apierr.TooLarge(tooLarge.Limit)
	case errors.Is(err, io.EOF):
		return apierr.BadRequest(reasonEmptyBody)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apierr.BadRequest("Unable to decode the JSON request body: unexpected end of input.")
	case errors.As(err, &syntax):
		return apierr.BadRequest("Unable to decode the JSON request body: %s (at byte %d).", syntax.Error(), syntax.Offset)
	case errors.As(err, &typ):
		return apierr.BadRequest("Unable to decode the JSON request body: field %q must be of type %s, not %s.", typ.Field, typ.Type, typ.Value)
	default:
		return apierr.BadRequest("Unable to decode the JSON request body: %s.", strings.TrimPrefix(err.Error(), "json: "))
	}
}

// DecodeBody reads a self-service submission into a nested map, the way
// Kratos's decoder reads it (settings §1.5):
//   - GET: the query string, as a form;
//   - form bodies (urlencoded, multipart): dotted names nest ("traits.email");
//   - JSON whose top-level values are all scalars: a "flattened form", dotted
//     keys nest and empty strings are dropped;
//   - other JSON objects: decoded as nested JSON (numbers stay json.Number).
//
// Form values are strings; the method that reads them converts them by its
// own schema. Empty form strings are dropped, as in Kratos.
func DecodeBody(r *http.Request) (map[string]any, error) {
	if r.Method == http.MethodGet {
		return formToMap(r.URL.Query())
	}
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil, apierr.BadRequest(reasonEmptyBody)
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, apierr.BadRequest(reasonContentType, ct)
	}
	switch mt {
	case "application/json":
		return decodeJSONBody(r.Body)
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, formErr(err)
		}
		return formToMap(r.PostForm)
	case "multipart/form-data":
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return nil, formErr(err)
		}
		return formToMap(r.MultipartForm.Value)
	default:
		return nil, apierr.BadRequest(reasonContentType, ct)
	}
}

func formErr(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return apierr.TooLarge(tooLarge.Limit)
	}
	return apierr.BadRequest("Unable to parse the form body: %s.", err.Error())
}

func decodeJSONBody(body io.Reader) (map[string]any, error) {
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, decodeErr(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, decodeErr(err)
	}
	if dec.More() {
		return nil, apierr.BadRequest("The request body contains data after the JSON value.")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, apierr.BadRequest("Expected JSON sent in request body to be an object but got: %s", jsonKind(v))
	}
	for _, val := range obj {
		switch val.(type) {
		case map[string]any, []any:
			return obj, nil // nested JSON: use as is
		}
	}
	// Every value is a scalar: a flattened form (dotted keys allowed).
	out := map[string]any{}
	for k, val := range obj {
		if s, isStr := val.(string); isStr && s == "" {
			continue
		}
		if err := setPath(out, k, val); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func formToMap(form url.Values) (map[string]any, error) {
	out := map[string]any{}
	for k, vs := range form {
		var val any
		switch kept := nonEmpty(vs); len(kept) {
		case 0:
			continue
		case 1:
			val = kept[0]
		default:
			val = kept
		}
		if err := setPath(out, k, val); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func nonEmpty(vs []string) []string {
	kept := vs[:0:0]
	for _, v := range vs {
		if v != "" {
			kept = append(kept, v)
		}
	}
	return kept
}

// setPath sets m[a][b][c] = v for the key "a.b.c".
func setPath(m map[string]any, key string, v any) error {
	parts := strings.Split(key, ".")
	if len(parts) > maxFormDepth {
		return apierr.BadRequest("The field name %q is nested deeper than %d levels.", truncate(key, 64), maxFormDepth)
	}
	for i, p := range parts[:len(parts)-1] {
		next, exists := m[p]
		if !exists {
			child := map[string]any{}
			m[p] = child
			m = child
			continue
		}
		child, isMap := next.(map[string]any)
		if !isMap {
			return apierr.BadRequest("The field %q conflicts with the field %q.", strings.Join(parts[:i+1], "."), key)
		}
		m = child
	}
	last := parts[len(parts)-1]
	if _, isMap := m[last].(map[string]any); isMap {
		return apierr.BadRequest("The field %q conflicts with nested fields of the same name.", key)
	}
	m[last] = v
	return nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "Null"
	case []any:
		return "JSON"
	case string:
		return "String"
	case bool:
		if v.(bool) {
			return "True"
		}
		return "False"
	case json.Number:
		return "Number"
	default:
		return fmt.Sprintf("%T", v)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
