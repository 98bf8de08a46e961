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

// setOffsetLinks writes X-Total-Count and the Link header of Kratos v0.10.1's
// page-based pagination, quirks included, so clients that parse it see the
// same links (foundation §0.6). Kratos computes links on offsets and prints
// them as 0-based pages, although the query's pages are 1-based; it leaves
// out "first" on the first page and "next"/"last" on the last one; a list
// shorter than one page gets a single "first" link whose per_page is the
// total; and an empty list, or a last page that is exactly full, links a
// "prev" page of -1.
func setOffsetLinks(w http.ResponseWriter, base *url.URL, total int64, page, perPage int) {
	w.Header().Set("X-Total-Count", strconv.FormatInt(total, 10))
	size := int64(max(perPage, 1))
	offset := int64(page) * size
	// lastOffset starts the page that holds the remainder (or the last full page).
	lastOffset := total / size * size
	if total%size == 0 {
		lastOffset = total - size
	}
	link := func(rel string, limit, off int64) string {
		u := *base
		q := u.Query()
		q.Set("per_page", strconv.FormatInt(limit, 10))
		q.Set("page", strconv.FormatInt(off/limit, 10))
		u.RawQuery = q.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	var links []string
	switch {
	case offset >= lastOffset && total == 0:
		links = []string{link("first", size, 0), link("next", size, offset+size), link("prev", size, offset-size)}
	case offset >= lastOffset && total < size:
		links = []string{link("first", total, 0)}
	case offset >= lastOffset:
		links = []string{link("first", size, 0), link("prev", size, lastOffset-size)}
	case offset < size:
		links = []string{link("next", size, size), link("last", size, lastOffset)}
	default:
		links = []string{link("first", size, 0), link("next", size, offset+size), link("prev", size, offset-size), link("last", size, lastOffset)}
	}
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
