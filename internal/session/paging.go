package session

import (
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/apierr"
)

// Pagination of the session lists, as the admin identity list does it
// (internal/api): v0.10.1's page/per_page, where Kratos silently clamps
// nonsense, answers a 400 naming the parameter instead.
const (
	defaultPerPage = 250
	maxPerPage     = 1000
)

// pageParams reads page (0 and 1 both mean the first page, foundation
// §0.6) and per_page. The page returned is 1-based.
func pageParams(r *http.Request) (page, perPage int, err error) {
	q := r.URL.Query()
	if page, err = intParam(q, "page", 0, 0, 1<<31-1); err != nil {
		return 0, 0, err
	}
	if perPage, err = intParam(q, "per_page", defaultPerPage, 1, maxPerPage); err != nil {
		return 0, 0, err
	}
	return max(page, 1), perPage, nil
}

func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	raw := q.Get(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		if len(raw) > 32 {
			raw = raw[:32] + "…"
		}
		return 0, apierr.BadRequest("The query parameter `%s` must be an integer between %d and %d, got %q.", name, lo, hi, raw)
	}
	return n, nil
}

// Page tokens are opaque to clients: base64url of the last session's
// created_at (Unix microseconds) and id.
func encodeCursor(c *Cursor) string {
	var b [24]byte
	binary.BigEndian.PutUint64(b[:8], uint64(c.CreatedAt.UnixMicro()))
	copy(b[8:], c.ID[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func decodeCursor(tok string) (*Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 24 {
		return nil, apierr.BadRequest("The query parameter `page_token` is not a valid page token.")
	}
	return &Cursor{
		CreatedAt: time.UnixMicro(int64(binary.BigEndian.Uint64(b[:8]))).UTC(),
		ID:        uuid.UUID(b[8:]),
	}, nil
}

// setKeysetLink writes v1's Link header: rel="first", and rel="next" when
// there is a next page.
func setKeysetLink(w http.ResponseWriter, r *http.Request, size int, next *Cursor) {
	link := func(rel, tok string) string {
		q := url.Values{"page_size": {strconv.Itoa(size)}}
		if tok != "" {
			q.Set("page_token", tok)
		}
		for _, e := range r.URL.Query()["expand"] {
			q.Add("expand", e)
		}
		if a := r.URL.Query().Get("active"); a != "" {
			q.Set("active", a)
		}
		u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
		return "<" + u.String() + `>; rel="` + rel + `"`
	}
	v := link("first", "")
	if next != nil {
		v += "," + link("next", encodeCursor(next))
	}
	w.Header().Set("Link", v)
}
