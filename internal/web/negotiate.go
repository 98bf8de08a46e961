package web

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// IsJSONRequest is Kratos's "JSON request" predicate (settings §1.1): content
// negotiation of Accept over [text/html, text/*, */*, application/json]
// picks JSON, or the Content-Type is application/json. Decision D15: a
// Content-Type with parameters ("application/json; charset=utf-8") counts.
func IsJSONRequest(r *http.Request) bool {
	if negotiate(r.Header.Values("Accept"), jsonOffers, "text/html") == "application/json" {
		return true
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// AcceptsJSON is the narrower negotiation Kratos uses to choose between a
// JSON body and a redirect: offers [text/html, application/json], default HTML.
func AcceptsJSON(r *http.Request) bool {
	return negotiate(r.Header.Values("Accept"), redirectOffers, "text/html") == "application/json"
}

var (
	jsonOffers     = []string{"text/html", "text/*", "*/*", "application/json"}
	redirectOffers = []string{"text/html", "application/json"}
)

type acceptSpec struct {
	value string
	q     float64
}

// negotiate follows the semantics of golang/gddo's NegotiateContentType,
// which Kratos uses: the highest q wins; at equal q a less wild match wins;
// at equal q and wildness the earlier offer wins.
func negotiate(accept []string, offers []string, fallback string) string {
	specs := parseAccept(accept)
	best, bestQ, bestWild := fallback, -1.0, 3
	for _, offer := range offers {
		for _, s := range specs {
			switch {
			case s.q == 0 || s.q < bestQ:
			case s.value == "*/*":
				if s.q > bestQ || bestWild > 2 {
					best, bestQ, bestWild = offer, s.q, 2
				}
			case strings.HasSuffix(s.value, "/*"):
				if strings.HasPrefix(offer, s.value[:len(s.value)-1]) && (s.q > bestQ || bestWild > 1) {
					best, bestQ, bestWild = offer, s.q, 1
				}
			default:
				if s.value == offer && (s.q > bestQ || bestWild > 0) {
					best, bestQ, bestWild = offer, s.q, 0
				}
			}
		}
	}
	return best
}

func parseAccept(headers []string) []acceptSpec {
	var specs []acceptSpec
	for _, h := range headers {
		for _, part := range strings.Split(h, ",") {
			fields := strings.Split(part, ";")
			value := strings.ToLower(strings.TrimSpace(fields[0]))
			if value == "" {
				continue
			}
			spec := acceptSpec{value: value, q: 1}
			for _, p := range fields[1:] {
				k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
				if !ok || strings.TrimSpace(k) != "q" {
					continue
				}
				if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && q >= 0 && q <= 1 {
					spec.q = q
				}
			}
			specs = append(specs, spec)
		}
	}
	return specs
}
