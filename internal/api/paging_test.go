package api

import (
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestSetOffsetLinks pins the Link header to Kratos v0.10.1's, quirks
// included (foundation §0.6): links print 0-based pages of offsets.
func TestSetOffsetLinks(t *testing.T) {
	base, _ := url.Parse("http://admin.example:4434/identities")
	l := func(rel string, page, perPage int) string {
		return "<http://admin.example:4434/identities?page=" + strconv.Itoa(page) + "&per_page=" + strconv.Itoa(perPage) + `>; rel="` + rel + `"`
	}
	tests := []struct {
		name          string
		total         int64
		page, perPage int
		want          []string
	}{
		{name: "first of three pages", total: 7, page: 0, perPage: 3,
			want: []string{l("next", 1, 3), l("last", 2, 3)}},
		{name: "middle page", total: 7, page: 1, perPage: 3,
			want: []string{l("first", 0, 3), l("next", 2, 3), l("prev", 0, 3), l("last", 2, 3)}},
		{name: "last page", total: 7, page: 2, perPage: 3,
			want: []string{l("first", 0, 3), l("prev", 1, 3)}},
		{name: "past the end", total: 7, page: 9, perPage: 3,
			want: []string{l("first", 0, 3), l("prev", 1, 3)}},
		{name: "exactly full pages, last", total: 6, page: 1, perPage: 3,
			want: []string{l("first", 0, 3), l("prev", 0, 3)}},
		{name: "exactly full pages, first", total: 6, page: 0, perPage: 3,
			want: []string{l("next", 1, 3), l("last", 1, 3)}},
		{name: "shorter than a page: per_page is the total", total: 1, page: 0, perPage: 250,
			want: []string{l("first", 0, 1)}},
		{name: "one full page links prev -1", total: 250, page: 0, perPage: 250,
			want: []string{l("first", 0, 250), l("prev", -1, 250)}},
		{name: "empty", total: 0, page: 0, perPage: 250,
			want: []string{l("first", 0, 250), l("next", 1, 250), l("prev", -1, 250)}},
		{name: "empty, later page", total: 0, page: 3, perPage: 10,
			want: []string{l("first", 0, 10), l("next", 4, 10), l("prev", 2, 10)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			setOffsetLinks(w, base, tt.total, tt.page, tt.perPage)
			if got := w.Header().Get("X-Total-Count"); got != strconv.FormatInt(tt.total, 10) {
				t.Errorf("X-Total-Count = %q", got)
			}
			if got, want := w.Header().Get("Link"), strings.Join(tt.want, ","); got != want {
				t.Errorf("Link =\n  %s\nwant\n  %s", got, want)
			}
		})
	}
}

func TestPageTokens(t *testing.T) {
	id := uuid.New()
	got, err := decodePageToken(encodePageToken(id))
	if err != nil || got != id {
		t.Fatalf("round trip: %v %v", got, err)
	}
	for _, tok := range []string{"zzz", "AAAA", "!!!!", encodePageToken(id) + "AA", strings.Repeat("A", 1000), "AAAAAAAAAAAAAAAAAAAAAA=="} {
		if _, err := decodePageToken(tok); err == nil {
			t.Errorf("token %q accepted", tok)
		}
	}
}

func TestSetKeysetLinks(t *testing.T) {
	base, _ := url.Parse("http://admin.example/identities")
	next := uuid.MustParse("6ba7b810-9dad-41d1-80b4-00c04fd430c8")
	w := httptest.NewRecorder()
	setKeysetLinks(w, base, 2, next)
	want := `<http://admin.example/identities?page_size=2>; rel="first",` +
		`<http://admin.example/identities?page_size=2&page_token=` + encodePageToken(next) + `>; rel="next"`
	if got := w.Header().Get("Link"); got != want {
		t.Errorf("Link = %s\nwant %s", got, want)
	}
	w = httptest.NewRecorder()
	setKeysetLinks(w, base, 2, uuid.Nil)
	if got := w.Header().Get("Link"); got != `<http://admin.example/identities?page_size=2>; rel="first"` {
		t.Errorf("last page Link = %s", got)
	}
}

func TestIntParam(t *testing.T) {
	tests := []struct {
		raw     string
		want    int
		wantErr bool
	}{
		{"", 250, false},
		{"1", 1, false},
		{"1000", 1000, false},
		{"0", 0, true},
		{"-1", 0, true},
		{"1001", 0, true},
		{"99999999999999999999", 0, true},
		{"1e3", 0, true},
		{" 5", 0, true},
		{"x", 0, true},
	}
	for _, tt := range tests {
		q := url.Values{}
		if tt.raw != "" {
			q.Set("per_page", tt.raw)
		}
		got, err := intParam(q, "per_page", 250, 1, 1000)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("intParam(%q) = %d, %v", tt.raw, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), "per_page") {
			t.Errorf("error %q does not name the parameter", err)
		}
	}
	// A long value is cut in the reason.
	q := url.Values{"per_page": {strings.Repeat("9", 500)}}
	if _, err := intParam(q, "per_page", 250, 1, 1000); err == nil || len(err.Error()) > 300 {
		t.Errorf("long value: %v", err)
	}
}
