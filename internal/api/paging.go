package api

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
)

const (
	defaultPerPage = 250
	maxPerPage     = 1000
)

// offsetParams reads v0.10.1's page/per_page. Kratos clamps nonsense
// silently (and v1 panics on some); Warden answers a 400 that names the
// parameter, so a client bug shows instead of a surprising page.
// firstPage is the lowest valid page (0 for Kratos's 0/1-based quirk).
func offsetParams(r *http.Request, firstPage int) (page, perPage int, err error) {
	q := r.URL.Query()
	page, err = intParam(q, "page", firstPage, firstPage, 1<<31-1)
	if err != nil {
		return 0, 0, err
	}
	perPage, err = intParam(q, "per_page", defaultPerPage, 1, maxPerPage)
	return page, perPage, err
}

func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	raw := q.Get(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, apierr.BadRequest("The query parameter `%s` must be an integer between %d and %d, got %q.", name, lo, hi, truncateParam(raw))
	}
	return n, nil
}

func truncateParam(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

// setOffsetLinks writes X-Total-Count and the Link header of Kratos's
// page-based pagination. Link pages are 0-based, as Kratos writes them
// (foundation §0.6 notes the off-by-one against the 1-based query).
func setOffsetLinks(w http.ResponseWriter, base *url.URL, total int64, page, perPage int) {
	w.Header().Set("X-Total-Count", strconv.FormatInt(total, 10))
	lastPage := 0
	if total > 0 {
		lastPage = int((total - 1) / int64(perPage))
	}
	link := func(rel string, p int) string {
		u := *base
		q := u.Query()
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(perPage))
		u.RawQuery = q.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	links := []string{link("first", 0)}
	if page < lastPage {
		links = append(links, link("next", page+1))
	}
	if page > 0 {
		links = append(links, link("prev", min(page-1, lastPage)))
	}
	links = append(links, link("last", lastPage))
	w.Header().Set("Link", strings.Join(links, ","))
}

// Keyset page tokens are opaque to clients: base64url of the last id seen.
func encodePageToken(id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString(id[:])
}

func decodePageToken(tok string) (uuid.UUID, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 16 {
		return uuid.Nil, apierr.BadRequest("The query parameter `page_token` is not a valid page token.")
	}
	return uuid.UUID(b), nil
}

// setKeysetLinks writes v1's Link header for token pagination.
func setKeysetLinks(w http.ResponseWriter, base *url.URL, pageSize int, next uuid.UUID) {
	link := func(rel, tok string) string {
		u := *base
		q := u.Query()
		q.Set("page_size", strconv.Itoa(pageSize))
		if tok != "" {
			q.Set("page_token", tok)
		}
		u.RawQuery = q.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	links := []string{link("first", "")}
	if next != uuid.Nil {
		links = append(links, link("next", encodePageToken(next)))
	}
	w.Header().Set("Link", strings.Join(links, ","))
}

func joinPath(base, p string) string {
	return strings.TrimSuffix(base, "/") + p
}
