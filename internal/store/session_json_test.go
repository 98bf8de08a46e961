package store

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/warden-id/warden/internal/session"
)

// TestDecodeAMR: the hand-read AMR is what json.Unmarshal made of it, for
// the stored forms (Go's encoding on SQLite, JSONB's on PostgreSQL) and for
// everything the fast path hands over to encoding/json.
func TestDecodeAMR(t *testing.T) {
	reference := func(raw string) ([]session.AuthenticationMethod, error) {
		amr := []session.AuthenticationMethod{}
		if raw == "" {
			return amr, nil
		}
		if err := json.Unmarshal([]byte(raw), &amr); err != nil {
			return nil, err
		}
		if amr == nil {
			amr = []session.AuthenticationMethod{}
		}
		return amr, nil
	}
	tests := []struct {
		raw  string
		fast bool // read without encoding/json
	}{
		{`[]`, true},
		{` [ ] `, true},
		{`[{"method":"password","aal":"aal1","completed_at":"2026-11-26T08:45:35.123456Z"}]`, true},
		{`[{"aal": "aal1", "method": "password", "completed_at": "2026-11-26T08:45:35.123456Z"}, {"aal": "aal2", "method": "totp", "completed_at": "2026-11-26T08:46:00+02:00"}]`, true},
		{"[\n  {\n    \"method\" : \"password\" ,\"aal\":\"aal1\"}\n]", true},
		{`[{"method":null,"aal":"aal1","completed_at":null}]`, true},
		{`[{}]`, true},
		{`[{"method":"a","method":"b"}]`, true},
		{``, false},
		{`null`, false},
		{`{}`, false},
		{`[{"Method":"password"}]`, false},
		{`[{"method":"pass\"word"}]`, false},
		{`[{"method":"pass\u0077ord"}]`, false},
		{`[{"completed_at":"2026-11-26 08:45:35Z"}]`, false},
		{`[{"completed_at":"2026-11-26T24:45:35Z"}]`, false},
		{`[{"method":1}]`, false},
		{`[{"method":["x"]}]`, false},
		{`[{"extra":{"a":1},"method":"password"}]`, false},
		{`[{"method":"password",}]`, false},
		{`[{"method":"password"},]`, false},
		{`[{"method":"password"}] x`, false},
		{`[{"method":"password"`, false},
		{`[{"method" "password"}]`, false},
		{`[{"method":"password"}{"aal":"aal1"}]`, false},
		{`[1]`, false},
		{`["`, false},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			want, wantErr := reference(tt.raw)
			got, err := decodeAMR(tt.raw)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("error = %v, encoding/json's %v", err, wantErr)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("decodeAMR differs from encoding/json (-want +got):\n%s", diff)
			}
			if _, fast := decodeAMRFast(tt.raw); fast != tt.fast {
				t.Errorf("fast path = %v, want %v", fast, tt.fast)
			}
		})
	}
}

// TestScanPackedSessionRejectsGarbage: a damaged packed row is an error,
// never a panic or a half-read session.
func TestScanPackedSessionRejectsGarbage(t *testing.T) {
	const valid = `[["0f8fad5b-d9cb-469f-a165-70867728950e",1,"aal1","2026-11-26T08:45:35.123456Z",` +
		`"2026-11-27T08:45:35.123456Z","2026-11-26T08:45:35.123456Z","2026-11-26T08:45:35.123456Z",` +
		`"7c9e6679-7425-40de-944b-e07fc1f90ae7","default","active",null,"2026-11-26T08:45:35.123456Z",` +
		`"2026-11-26T08:45:35.123456Z","aal1"],` +
		`[["01a21722-8bc9-7466-a0cf-65ace29c0755","email","a@example.org",0,"pending",null,` +
		`"2026-11-26T08:45:35.123456Z","2026-11-26T08:45:35.123456Z"]],` +
		`[["01a21722-8bc9-7469-a2a9-9f90754c0133","email","a@example.org",` +
		`"2026-11-26T08:45:35.123456Z","2026-11-26T08:45:35.123456Z"]]]`
	row := func(packed string) fakeRow {
		return fakeRow{packed, `[]`, `{"email":"a@example.org"}`, nil, nil}
	}
	pg := &Store{dialect: DialectPostgres}
	sess, err := pg.scanPackedSession(row(valid))
	if err != nil {
		t.Fatalf("valid row: %v", err)
	}
	if sess.Identity == nil || len(sess.Identity.VerifiableAddresses) != 1 || len(sess.Identity.RecoveryAddresses) != 1 {
		t.Fatalf("valid row read as %+v", sess)
	}
	damaged(t, valid, `[]{},:"\ 0an`, func(b string) fakeRow { return row(b) }, pg)
}

// TestScanPackedSessionSQLiteParts: SQLite's row is one column of nineteen
// parts; an empty nullable part is NULL, and any other number of parts, or
// a damaged part, is an error, never a panic.
func TestScanPackedSessionSQLiteParts(t *testing.T) {
	const ts = "2026-11-26T08:45:35.123456Z"
	scalars := []string{"0f8fad5b-d9cb-469f-a165-70867728950e", "1", "aal1", ts, ts, ts, ts,
		"7c9e6679-7425-40de-944b-e07fc1f90ae7", "default", "active", "", ts, ts, "aal1"}
	const addresses = `[[["01a21722-8bc9-7466-a0cf-65ace29c0755","email","a@example.org",0,"pending",null,` +
		`"` + ts + `","` + ts + `"]],[["01a21722-8bc9-7469-a2a9-9f90754c0133","email","a@example.org","` + ts + `","` + ts + `"]]]`
	// row is the parts in SQLite's order: the session's scalars, the AMR
	// (tail[0]), the identity's scalars, the addresses, then the rest of tail.
	row := func(tail ...string) []string {
		parts := append(slices.Clone(scalars[:7]), tail[0])
		parts = append(append(parts, scalars[7:]...), addresses)
		return append(parts, tail[1:]...)
	}
	lite := &Store{dialect: DialectSQLite}
	tests := []struct {
		name             string
		parts            []string
		wantErr          bool
		wantPub, wantAdm string // "" for nil
	}{
		{name: "metadata null", parts: row(`[]`, `{"a":1}`, ``, ``)},
		{name: "metadata set", parts: row(`[]`, `{"a":1}`, `{"p":1}`, `null`), wantPub: `{"p":1}`, wantAdm: `null`},
		{name: "eighteen parts", parts: row(`[]`, `{"a":1}`, ``), wantErr: true},
		{name: "twenty parts", parts: row(`[]`, `{"a":1}`, ``, ``, ``), wantErr: true},
		{name: "one part", parts: scalars[:1], wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sess, err := lite.scanPackedSession(fakeRow{strings.Join(tt.parts, "\x01")})
			if tt.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			i := sess.Identity
			if !sess.Active || i.StateChangedAt != nil || sess.IdentityAvailableAAL != "aal1" ||
				len(i.VerifiableAddresses) != 1 || len(i.RecoveryAddresses) != 1 {
				t.Errorf("read as %+v / %+v", sess, i)
			}
			if string(i.Traits) != `{"a":1}` || string(i.MetadataPublic) != tt.wantPub || string(i.MetadataAdmin) != tt.wantAdm {
				t.Errorf("traits %s, metadata %s / %s", i.Traits, i.MetadataPublic, i.MetadataAdmin)
			}
			if (tt.wantPub == "") != (i.MetadataPublic == nil) || (tt.wantAdm == "") != (i.MetadataAdmin == nil) {
				t.Errorf("NULL metadata must be nil, have %#v / %#v", i.MetadataPublic, i.MetadataAdmin)
			}
		})
	}

	valid := strings.Join(row(`[]`, `{"a":1}`, ``, ``), "\x01")
	damaged(t, valid, "[]{},:\"\\ 0an\x01", func(b string) fakeRow { return fakeRow{b} }, lite)
}

// damaged reads 5,000 damaged copies of the valid packed text (cut short,
// a byte replaced by one of repl, a byte dropped) as rows through st: each
// must be an error or a session with its identity, never a panic.
func damaged(t *testing.T, valid, repl string, row func(string) fakeRow, st *Store) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(len(valid)), uint64(len(repl))))
	for n := range 5000 {
		b := []byte(valid)
		switch n % 3 {
		case 0:
			b = b[:rng.IntN(len(b))]
		case 1:
			b[rng.IntN(len(b))] = repl[rng.IntN(len(repl))]
		case 2:
			k := rng.IntN(len(b))
			b = append(b[:k], b[k+1:]...)
		}
		func() {
			defer func() {
				if v := recover(); v != nil {
					t.Fatalf("panic on %q: %v", b, v)
				}
			}()
			if sess, err := st.scanPackedSession(row(string(b))); err == nil && sess.Identity == nil {
				t.Fatalf("%q: no error and no identity", b)
			}
		}()
	}
}

// fakeRow scans fixed values, as database/sql would convert them.
type fakeRow []any

func (r fakeRow) Scan(dest ...any) error {
	if len(dest) != len(r) {
		return errors.New("fakeRow: column count")
	}
	for k, d := range dest {
		switch d := d.(type) {
		case interface{ Scan(any) error }:
			if err := d.Scan(r[k]); err != nil {
				return err
			}
		case *string:
			v, ok := r[k].(string)
			if !ok {
				return errors.New("fakeRow: not a string")
			}
			*d = v
		default:
			return errors.New("fakeRow: unexpected destination")
		}
	}
	return nil
}

// TestParseStoredTime: where the fast reader reads, it reads what
// time.Parse does; everything else is left to time.Parse.
func TestParseStoredTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	inputs := []string{"2026-11-26T08:45:35.123456Z", "0001-01-01T00:00:00.000000Z", "9999-12-28T23:59:59.999999Z",
		"2026-02-29T00:00:00.000000Z", "2026-02-30T00:00:00.000000Z", "2026-13-01T00:00:00.000000Z",
		"2026-11-26T24:00:00.000000Z", "2026-11-26T08:60:00.000000Z", "2026-11-26T08:45:60.000000Z",
		"2026-11-26T08:45:35.123456Z", "2026-11-26T08:45:35.123456+00:00", "2026-11-26T08:45:35Z",
		"2026-1a-26T08:45:35.123456Z", "+026-11-26T08:45:35.123456Z", ""}
	for range 2000 {
		inputs = append(inputs, time.Unix(rng.Int64N(1<<36)-1<<35, rng.Int64N(1e9)).UTC().Format(timeLayout))
	}
	for _, in := range inputs {
		got, ok := parseStoredTime(in)
		want, err := time.Parse(time.RFC3339Nano, in)
		if !ok {
			continue
		}
		if err != nil || got != want.UTC() {
			t.Errorf("parseStoredTime(%q) = %v, time.Parse %v, %v", in, got, want.UTC(), err)
		}
	}
	if _, ok := parseStoredTime("2026-11-26T08:45:35.123456Z"); !ok {
		t.Error("the stored layout is not read by the fast path")
	}
}
