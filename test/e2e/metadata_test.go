package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
)

// TestMetadataAnyJSON: metadata_public and metadata_admin of every JSON type
// round-trip on create, get, list and update, and the identity list stays
// 200 afterwards (Kratos answers 500 to every list after a numeric value).
func TestMetadataAnyJSON(t *testing.T) {
	t.Parallel()
	values := []struct{ name, json string }{
		{"integer", `42`},
		{"negative", `-7`},
		{"fraction", `3.25`},
		{"big integer", `12345678901234567890`},
		{"zero", `0`},
		{"string", `"hello"`},
		{"empty string", `""`},
		{"unicode string", `"grüße 🌍"`},
		{"true", `true`},
		{"false", `false`},
		{"null", `null`},
		{"empty array", `[]`},
		{"array", `[1,"two",null,true,{"x":1.5}]`},
		{"empty object", `{}`},
		{"object", `{"nested":{"list":[1,2,3]},"n":null}`},
	}
	forEachDialect(t, func(t *testing.T, dialect string) {
		s := Start(t, ServerOptions{Dialect: dialect})
		url := s.AdminURL + "/admin/identities"
		ids := map[string]string{} // email → id
		for i, v := range values {
			t.Run(v.name, func(t *testing.T) {
				email := "meta" + string(rune('a'+i)) + "@example.org"
				body := `{"traits":{"email":"` + email + `"},"metadata_public":` + v.json + `,"metadata_admin":` + v.json + `}`
				r := call(t, "POST", url, body)
				if r.Status != http.StatusCreated {
					t.Fatalf("create: %d %s", r.Status, r.Body)
				}
				created := r.object(t)
				if _, ok := created["metadata_public"]; !ok {
					t.Errorf("metadata_public is missing; it is always present (foundation §5.1): %s", r.Body)
				}
				wantJSON(t, "create metadata_public", created["metadata_public"], v.json)
				wantJSON(t, "create metadata_admin", created["metadata_admin"], v.json)
				id := created["id"].(string)
				ids[email] = id

				got := call(t, "GET", url+"/"+id, nil)
				if got.Status != http.StatusOK {
					t.Fatalf("get: %d %s", got.Status, got.Body)
				}
				m := got.object(t)
				wantJSON(t, "get metadata_public", m["metadata_public"], v.json)
				wantJSON(t, "get metadata_admin", m["metadata_admin"], v.json)

				// PUT another type in, then this one back.
				put := `{"traits":{"email":"` + email + `"},"metadata_public":[` + v.json + `],"metadata_admin":{"v":` + v.json + `}}`
				upd := call(t, "PUT", url+"/"+id, put)
				if upd.Status != http.StatusOK {
					t.Fatalf("put: %d %s", upd.Status, upd.Body)
				}
				m = upd.object(t)
				wantJSON(t, "put metadata_public", m["metadata_public"], "["+v.json+"]")
				wantJSON(t, "put metadata_admin", m["metadata_admin"], `{"v":`+v.json+`}`)
				put = `{"traits":{"email":"` + email + `"},"metadata_public":` + v.json + `,"metadata_admin":` + v.json + `}`
				if upd := call(t, "PUT", url+"/"+id, put); upd.Status != http.StatusOK {
					t.Fatalf("put back: %d %s", upd.Status, upd.Body)
				}
			})
		}

		// The list is 200 and shows every value exactly (metadata_public only).
		r := call(t, "GET", url, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("list after metadata of every type: %d %s", r.Status, r.Body)
		}
		var list []map[string]any
		r.decode(t, &list)
		if len(list) != len(values) {
			t.Fatalf("list has %d identities, want %d", len(list), len(values))
		}
		byID := map[string]map[string]any{}
		for _, i := range list {
			byID[i["id"].(string)] = i
			if _, ok := i["metadata_admin"]; ok {
				t.Errorf("list shows metadata_admin: %v", i)
			}
		}
		for i, v := range values {
			email := "meta" + string(rune('a'+i)) + "@example.org"
			wantJSON(t, "list metadata_public "+v.name, byID[ids[email]]["metadata_public"], v.json)
		}
		// The SDK's typed list works too as long as it can type the values:
		// it reads the raw page fine (status and count).
		_, res, _ := s.Admin().IdentityAPI.ListIdentities(context.Background()).Execute()
		if res == nil || res.StatusCode != http.StatusOK {
			t.Errorf("SDK list status = %v", res)
		}
	})
}

// wantJSON compares a decoded value with a JSON text by value.
func wantJSON(t *testing.T, what string, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	// Numbers: compare the exact digits (json.Number) for integers that do
	// not fit a float64.
	if n, ok := got.(json.Number); ok && n.String() == want {
		return
	}
	if !jsonEqual(t, got, json.RawMessage(want)) {
		g, _ := json.Marshal(got)
		t.Errorf("%s = %s, want %s", what, g, want)
	}
}
