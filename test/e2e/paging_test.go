package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestPaging lists identities page by page in both styles: v0.10.1's
// page/per_page with X-Total-Count and Link (foundation §0.6), and v1's
// page_size/page_token, walked through the SDK until the last page.
func TestPaging(t *testing.T) {
	t.Parallel()
	const n = 7
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		var all []string
		for i := range n {
			all = append(all, newIdentity(t, s, fmt.Sprintf("page%d@example.org", i)).Id)
		}
		list := s.AdminURL + "/admin/identities"
		links := s.AdminURL + "/identities" // Kratos's Link base (foundation §5.3)

		t.Run("page/per_page", func(t *testing.T) {
			full := listIDs(t, call(t, "GET", list, nil))
			// Ordered by id, descending (foundation §5.3).
			desc := slices.Clone(all)
			slices.Sort(desc)
			slices.Reverse(desc)
			if !slices.Equal(full, desc) {
				t.Errorf("default list = %v, want ids descending %v", full, desc)
			}
			pages := map[string][]string{}
			for _, page := range []string{"0", "1", "2", "3", "4"} {
				r := call(t, "GET", list+"?per_page=3&page="+page, nil)
				if got := r.Header.Get("X-Total-Count"); got != fmt.Sprint(n) {
					t.Errorf("page %s: X-Total-Count = %q, want %d", page, got, n)
				}
				pages[page] = listIDs(t, r)
			}
			// SQL pages are 1-based: 0 and 1 are both the first page.
			if !slices.Equal(pages["0"], desc[:3]) || !slices.Equal(pages["1"], desc[:3]) ||
				!slices.Equal(pages["2"], desc[3:6]) || !slices.Equal(pages["3"], desc[6:]) || len(pages["4"]) != 0 {
				t.Errorf("pages = %v, want %v split by 3 (page 0 = page 1)", pages, desc)
			}
			// Link math as Kratos: 0-based pages, per_page 3, 7 items.
			wantLink(t, call(t, "GET", list+"?per_page=3&page=0", nil), links,
				`next page=1`, `last page=2`)
			wantLink(t, call(t, "GET", list+"?per_page=3&page=1", nil), links,
				`first page=0`, `next page=2`, `prev page=0`, `last page=2`)
			wantLink(t, call(t, "GET", list+"?per_page=3&page=2", nil), links,
				`first page=0`, `prev page=1`)
			wantLink(t, call(t, "GET", list+"?per_page=100", nil), links, // shorter than a page
				fmt.Sprintf(`first page=0 per_page=%d`, n))
			// A page past the end is an empty page, not an error.
			r := call(t, "GET", list+"?per_page=1000&page=2147483647", nil)
			if r.Status != http.StatusOK || len(listIDs(t, r)) != 0 {
				t.Errorf("far page: %d %s", r.Status, r.Body)
			}
		})

		t.Run("page_size/page_token via the SDK", func(t *testing.T) {
			api := s.Admin().IdentityAPI
			var seen []string
			token, pages := "", 0
			for {
				req := api.ListIdentities(context.Background()).PageSize(3)
				if token != "" {
					req = req.PageToken(token)
				}
				ids, res, err := req.Execute()
				must(t, err)
				pages++
				for _, i := range ids {
					seen = append(seen, i.Id)
				}
				next := linkRel(t, res.Header.Get("Link"), "next")
				if next == nil {
					break
				}
				if !strings.HasPrefix(next.String(), links+"?") || next.Query().Get("page_size") != "3" {
					t.Errorf("next link %s", next)
				}
				token = next.Query().Get("page_token")
				if pages > n {
					t.Fatal("pagination does not end")
				}
			}
			sorted := slices.Clone(all)
			slices.Sort(sorted)
			if !slices.Equal(seen, sorted) || pages != 3 {
				t.Errorf("walked %d pages: %v, want every id once in order %v", pages, seen, sorted)
			}
		})

		t.Run("bad page parameters", func(t *testing.T) {
			for _, q := range []string{
				"page_size=0", "page_size=-1", "page_size=1001", "page_size=99999999999999999999", "page_size=abc",
				"page_token=zzz", "page_token=%00", "page_size=2&page_token=AAAA", "page_token=" + strings.Repeat("A", 300),
				"per_page=0", "per_page=-5", "per_page=1001", "per_page=18446744073709551616", "per_page=x",
				"page=-1", "page=x", "page=99999999999999999999",
			} {
				r := call(t, "GET", list+"?"+q, nil)
				r.wantError(t, http.StatusBadRequest, "")
			}
		})
	})
}

// listIDs decodes a list response's ids, failing on anything but 200.
func listIDs(t *testing.T, r reply) []string {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	var list []struct {
		ID string `json:"id"`
	}
	r.decode(t, &list)
	ids := make([]string, len(list))
	for i, l := range list {
		ids[i] = l.ID
	}
	return ids
}

var linkPart = regexp.MustCompile(`^<([^>]*)>; rel="([a-z]+)"$`)

// parseLink parses a Link header into rel → URL, keeping the order.
func parseLink(t *testing.T, h string) (rels []string, urls map[string]*url.URL) {
	t.Helper()
	urls = map[string]*url.URL{}
	if h == "" {
		return nil, urls
	}
	for _, part := range strings.Split(h, ",") {
		m := linkPart.FindStringSubmatch(strings.TrimSpace(part))
		if m == nil {
			t.Fatalf("malformed Link part %q in %q", part, h)
		}
		u, err := url.Parse(m[1])
		if err != nil {
			t.Fatal(err)
		}
		rels = append(rels, m[2])
		urls[m[2]] = u
	}
	return rels, urls
}

func linkRel(t *testing.T, h, rel string) *url.URL {
	t.Helper()
	_, urls := parseLink(t, h)
	return urls[rel]
}

// wantLink checks the Link header: the rels in order, each given as
// "rel page=N [per_page=M]" (per_page defaults to 3), all on base.
func wantLink(t *testing.T, r reply, base string, want ...string) {
	t.Helper()
	rels, urls := parseLink(t, r.Header.Get("Link"))
	var got []string
	for _, rel := range rels {
		u := urls[rel]
		if strings.SplitN(u.String(), "?", 2)[0] != base {
			t.Errorf("%s link %s is not on %s", rel, u, base)
		}
		s := fmt.Sprintf("%s page=%s", rel, u.Query().Get("page"))
		if pp := u.Query().Get("per_page"); pp != "3" {
			s += " per_page=" + pp
		}
		got = append(got, s)
	}
	if !slices.Equal(got, want) {
		t.Errorf("Link = %v (%s), want %v", got, r.Header.Get("Link"), want)
	}
}
