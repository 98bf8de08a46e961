package session

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
)

// encodeStd is what web.WriteJSON writes for v.
func encodeStd(t *testing.T, v any) (string, bool) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		return "", false
	}
	return buf.String(), true
}

// TestAppendSessionJSON is the golden test of whoami's hand-written
// encoder: for every session below it must write exactly what
// encoding/json writes, or decline (ok false) exactly when encoding/json
// fails or when the session has a part it leaves to encoding/json.
func TestAppendSessionJSON(t *testing.T) {
	at := time.Date(2026, 11, 26, 8, 45, 35, 123456000, time.UTC)
	ptr := func(t time.Time) *time.Time { return &t }
	base := func() *Session {
		return &Session{
			ID: uuid.MustParse("0f8fad5b-d9cb-469f-a165-70867728950e"), Active: true,
			ExpiresAt: at.Add(24 * time.Hour), AuthenticatedAt: at, IssuedAt: at, AAL: AAL1,
			AMR:     []AuthenticationMethod{{Method: identity.CredentialsPassword, AAL: AAL1, CompletedAt: at}},
			Devices: []Device{},
			Identity: &identity.Identity{
				ID: uuid.MustParse("7c9e6679-7425-40de-944b-e07fc1f90ae7"), SchemaID: "default",
				SchemaURL: "http://127.0.0.1:4433/schemas/ZGVmYXVsdA", State: identity.StateActive,
				Traits: json.RawMessage(`{"email":"dave@example.org","name":{"first":"Dave"}}`),
				VerifiableAddresses: []identity.VerifiableAddress{{ID: uuid.New(), Value: "dave@example.org",
					Via: identity.ViaEmail, Status: identity.AddressStatusPending, CreatedAt: at, UpdatedAt: at}},
				RecoveryAddresses: []identity.RecoveryAddress{{ID: uuid.New(), Value: "dave@example.org",
					Via: identity.ViaEmail, CreatedAt: at, UpdatedAt: at}},
				CreatedAt: at, UpdatedAt: at.Add(time.Second),
			},
		}
	}
	tests := []struct {
		name     string
		change   func(s *Session)
		declines bool // the hand-written encoder leaves it to encoding/json
	}{
		{name: "typical whoami"},
		{name: "postgres traits with spaces", change: func(s *Session) {
			s.Identity.Traits = json.RawMessage(`{"email": "dave@example.org", "tags": [1, 2.5e3, true, null]}`)
		}},
		{name: "pretty traits", change: func(s *Session) { s.Identity.Traits = json.RawMessage("{\n  \"a\" : \"b c\"\n}") }},
		{name: "html in traits", change: func(s *Session) { s.Identity.Traits = json.RawMessage(`{"bio":"<b>&</b>"}`) }},
		{name: "line separators in traits", change: func(s *Session) {
			s.Identity.Traits = json.RawMessage("{\"bio\":\"a\u2028b\u2029c\u20acd\"}")
		}},
		{name: "escapes in traits", change: func(s *Session) { s.Identity.Traits = json.RawMessage(`{"q":"\"\\\/\u0000\ud83d\ude00"}`) }},
		{name: "invalid traits", change: func(s *Session) { s.Identity.Traits = json.RawMessage(`{"a":`) }, declines: true},
		{name: "invalid traits with spaces", change: func(s *Session) { s.Identity.Traits = json.RawMessage(`{"a": }`) }, declines: true},
		{name: "empty traits", change: func(s *Session) { s.Identity.Traits = json.RawMessage{} }, declines: true},
		{name: "nil traits and metadata", change: func(s *Session) { s.Identity.Traits, s.Identity.MetadataPublic = nil, nil }},
		{name: "null metadata", change: func(s *Session) { s.Identity.MetadataPublic = json.RawMessage(`null`) }},
		{name: "metadata", change: func(s *Session) { s.Identity.MetadataPublic = json.RawMessage(`{"plan":"pro","n":[1,2]}`) }},
		{name: "state changed, verified address", change: func(s *Session) {
			s.Identity.StateChangedAt = ptr(at.Add(-time.Hour))
			s.Identity.VerifiableAddresses[0].Verified = true
			s.Identity.VerifiableAddresses[0].VerifiedAt = ptr(at.Add(-time.Minute))
			s.Identity.VerifiableAddresses[0].Status = identity.AddressStatusCompleted
		}},
		{name: "no addresses", change: func(s *Session) {
			s.Identity.VerifiableAddresses, s.Identity.RecoveryAddresses = nil, []identity.RecoveryAddress{}
		}},
		{name: "several addresses", change: func(s *Session) {
			i := s.Identity
			i.VerifiableAddresses = append(i.VerifiableAddresses, identity.VerifiableAddress{ID: uuid.New(),
				Value: "+4912345", Via: identity.ViaPhone, Status: "sent", CreatedAt: at, UpdatedAt: at})
			i.RecoveryAddresses = append(i.RecoveryAddresses, i.RecoveryAddresses[0])
		}},
		{name: "strings to escape", change: func(s *Session) {
			i := s.Identity
			i.SchemaID = "a\"b\\c\nd\te\x01f<g>&h\u2028i\u00e9j\xffk"
			i.SchemaURL = "http://example.org/?a=1&b=<2>"
			i.VerifiableAddresses[0].Value = "o'brien&co@exämple.org"
			i.RecoveryAddresses[0].Value = "bad\xc3utf8"
			s.AMR[0].Method = "pass\"word"
		}},
		{name: "nil amr", change: func(s *Session) { s.AMR = nil }},
		{name: "empty amr, aal0, inactive", change: func(s *Session) { s.AMR, s.AAL, s.Active = []AuthenticationMethod{}, AAL0, false }},
		{name: "two factors", change: func(s *Session) {
			s.AMR = append(s.AMR, AuthenticationMethod{Method: identity.CredentialsTOTP, AAL: AAL2, CompletedAt: at.Add(time.Minute)})
			s.AAL = AAL2
		}},
		{name: "nil identity", change: func(s *Session) { s.Identity = nil }},
		{name: "nil devices", change: func(s *Session) { s.Devices = nil }},
		{name: "devices", change: func(s *Session) {
			ip := "127.0.0.1"
			s.Devices = []Device{{ID: uuid.New(), IPAddress: &ip}}
		}},
		{name: "zero and odd times", change: func(s *Session) {
			s.IssuedAt = time.Time{}
			s.AuthenticatedAt = at.In(time.FixedZone("CEST", 2*3600))
			s.ExpiresAt = time.Date(2030, 1, 1, 0, 0, 0, 1, time.UTC)
			s.AMR[0].CompletedAt = time.Date(2030, 1, 1, 0, 0, 0, 0, time.FixedZone("", -(9*3600+30*60)))
		}},
		{name: "year beyond 9999", change: func(s *Session) { s.ExpiresAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, declines: true},
		{name: "negative year in an address", change: func(s *Session) {
			s.Identity.RecoveryAddresses[0].UpdatedAt = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)
		}, declines: true},
		{name: "metadata_admin (admin view)", change: func(s *Session) { s.Identity.MetadataAdmin = json.RawMessage(`{}`) }, declines: true},
		{name: "credentials", change: func(s *Session) {
			s.Identity.Credentials = map[identity.CredentialsType]identity.Credentials{identity.CredentialsPassword: {Type: identity.CredentialsPassword}}
		}, declines: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base()
			if tt.change != nil {
				tt.change(s)
			}
			want, stdOK := encodeStd(t, s)
			got, ok := appendSessionJSON([]byte("prefix"), s)
			if ok == tt.declines {
				t.Fatalf("ok = %v, want %v (encoding/json ok: %v)", ok, !tt.declines, stdOK)
			}
			if !ok {
				return
			}
			if !stdOK {
				t.Fatal("the hand-written encoder succeeded where encoding/json fails")
			}
			if diff := cmp.Diff(want, strings.TrimPrefix(string(got), "prefix")); diff != "" {
				t.Errorf("appendSessionJSON differs from encoding/json (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAppendSessionJSONRandom compares the encoders on random strings,
// times and traits.
func TestAppendSessionJSONRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "Z", "0", " ", "\"", "\\", "/", "<", ">", "&", "\n", "\x00", "\x1f", "\x7f",
		"é", "€", "\u2028", "\u2029", "😀", "\xff", "\xe2", "\xe2\x80"}
	str := func() string {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	tm := func() time.Time {
		return time.Unix(rng.Int64N(1<<34), rng.Int64N(1e9)).In(time.FixedZone("", (rng.IntN(48)-24)*1800))
	}
	for n := range 2000 {
		traits, _ := json.Marshal(map[string]any{"s": str(), "n": rng.Float64(), "l": []string{str()}})
		if n%2 == 0 { // as PostgreSQL returns JSONB: spaces after separators
			var buf bytes.Buffer
			_ = json.Indent(&buf, traits, "", " ")
			traits = buf.Bytes()
		}
		s := &Session{ID: uuid.New(), Active: n%3 == 0, ExpiresAt: tm(), AuthenticatedAt: tm(), IssuedAt: tm(),
			AAL: AAL(str()), AMR: []AuthenticationMethod{{Method: identity.CredentialsType(str()), AAL: AAL(str()), CompletedAt: tm()}},
			Devices: []Device{},
			Identity: &identity.Identity{ID: uuid.New(), SchemaID: str(), SchemaURL: str(), State: identity.State(str()),
				Traits: traits, MetadataPublic: json.RawMessage(traits),
				VerifiableAddresses: []identity.VerifiableAddress{{ID: uuid.New(), Value: str(), Via: identity.AddressVia(str()),
					Status: str(), Verified: n%2 == 1, CreatedAt: tm(), UpdatedAt: tm()}},
				RecoveryAddresses: []identity.RecoveryAddress{{ID: uuid.New(), Value: str(), Via: identity.AddressVia(str()),
					CreatedAt: tm(), UpdatedAt: tm()}},
				CreatedAt: tm(), UpdatedAt: tm()}}
		want, stdOK := encodeStd(t, s)
		got, ok := appendSessionJSON(nil, s)
		if ok != stdOK || (ok && string(got) != want) {
			t.Fatalf("session %d: ok %v (encoding/json %v)\n got: %s\nwant: %s", n, ok, stdOK, got, want)
		}
	}
}

// TestAppendSessionJSONKnowsEveryField fails when a field is added to a
// type the hand-written encoder writes: extend appendSessionJSON (and the
// tests above), then the list here.
func TestAppendSessionJSONKnowsEveryField(t *testing.T) {
	known := map[reflect.Type][]string{
		reflect.TypeFor[Session](): {"id", "active", "expires_at", "authenticated_at", "authenticator_assurance_level",
			"authentication_methods", "issued_at", "identity", "devices", "-", "-", "-", "-", "-"},
		reflect.TypeFor[AuthenticationMethod](): {"method", "aal", "completed_at"},
		reflect.TypeFor[identity.Identity](): {"id", "schema_id", "schema_url", "state", "state_changed_at,omitempty",
			"traits", "verifiable_addresses,omitempty", "recovery_addresses,omitempty", "metadata_public",
			"metadata_admin,omitempty", "credentials,omitempty", "created_at", "updated_at"},
		reflect.TypeFor[identity.VerifiableAddress](): {"id", "value", "verified", "via", "status",
			"verified_at,omitempty", "created_at", "updated_at"},
		reflect.TypeFor[identity.RecoveryAddress](): {"id", "value", "via", "created_at", "updated_at"},
	}
	for typ, want := range known {
		var got []string
		for f := range typ.Fields() {
			got = append(got, f.Tag.Get("json"))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s changed; update appendSessionJSON (-known +now):\n%s", typ, diff)
		}
	}
}
