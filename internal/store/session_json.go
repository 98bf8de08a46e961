package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/session"
)

// A small reader for the JSON that whoami's statement produces and that
// sessions store (session_whoami.go). encoding/json walked these values by
// reflection, a tenth of a whoami call; this reads only what it expects
// and reports anything else as an error (or, for stored AMR, hands the
// value to encoding/json, so that nothing reads differently).

// jsonReader reads JSON from a string, so that the strings it returns are
// substrings: no copies.
type jsonReader struct {
	s   string
	pos int
}

func (r *jsonReader) space() {
	for r.pos < len(r.s) {
		switch r.s[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// next skips white space and returns the next byte, 0 at the end.
func (r *jsonReader) next() byte {
	r.space()
	if r.pos >= len(r.s) {
		return 0
	}
	return r.s[r.pos]
}

// accept consumes c if it comes next.
func (r *jsonReader) accept(c byte) bool {
	if r.next() == c {
		r.pos++
		return true
	}
	return false
}

func (r *jsonReader) expect(c byte) error {
	if !r.accept(c) {
		return r.errorf("want %q", c)
	}
	return nil
}

func (r *jsonReader) errorf(format string, args ...any) error {
	return fmt.Errorf("malformed JSON at offset %d: %s", r.pos, fmt.Sprintf(format, args...))
}

// end checks that nothing but white space follows.
func (r *jsonReader) end() error {
	if r.next() != 0 {
		return r.errorf("trailing data")
	}
	return nil
}

// jsonScalar is a string (unquoted) or the literal text of a number, true,
// false or null. escaped tells that the string had escapes.
type jsonScalar struct {
	s       string
	isStr   bool
	escaped bool
}

// scalar reads a string, number, true, false or null.
func (r *jsonReader) scalar() (jsonScalar, error) {
	if r.next() == '"' {
		start := r.pos + 1
		end := strings.IndexByte(r.s[start:], '"')
		if end < 0 {
			return jsonScalar{}, r.errorf("unterminated string")
		}
		end += start
		if strings.IndexByte(r.s[start:end], '\\') < 0 {
			r.pos = end + 1
			return jsonScalar{s: r.s[start:end], isStr: true}, nil
		}
		return r.escapedString()
	}
	start := r.pos
	for r.pos < len(r.s) {
		c := r.s[r.pos]
		if c == ',' || c == ']' || c == '}' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			break
		}
		r.pos++
	}
	switch lit := r.s[start:r.pos]; {
	case lit == "":
		return jsonScalar{}, r.errorf("want a value")
	case lit == "true", lit == "false", lit == "null", lit[0] == '-', '0' <= lit[0] && lit[0] <= '9':
		return jsonScalar{s: lit}, nil
	}
	return jsonScalar{}, r.errorf("want a value")
}

// escapedString reads a string with escapes, which addresses rarely have,
// through encoding/json.
func (r *jsonReader) escapedString() (jsonScalar, error) {
	start := r.pos
	for r.pos++; r.pos < len(r.s); r.pos++ {
		switch r.s[r.pos] {
		case '\\':
			r.pos++ // the escaped byte, a quote for one
		case '"':
			r.pos++
			var s string
			if err := json.Unmarshal([]byte(r.s[start:r.pos]), &s); err != nil {
				return jsonScalar{}, err
			}
			return jsonScalar{s: s, isStr: true, escaped: true}, nil
		}
	}
	return jsonScalar{}, r.errorf("unterminated string")
}

// array reads a JSON array of scalars into fields, which it must fill
// exactly.
func (r *jsonReader) array(fields []jsonScalar) error {
	if err := r.expect('['); err != nil {
		return err
	}
	for k := range fields {
		if k > 0 {
			if err := r.expect(','); err != nil {
				return err
			}
		}
		v, err := r.scalar()
		if err != nil {
			return err
		}
		fields[k] = v
	}
	return r.expect(']')
}

// arrays reads a JSON array of arrays of len(fields) scalars, calling fn
// after each inner array has been read into fields.
func (r *jsonReader) arrays(fields []jsonScalar, fn func() error) error {
	if err := r.expect('['); err != nil {
		return err
	}
	if r.accept(']') {
		return nil
	}
	for {
		if err := r.array(fields); err != nil {
			return err
		}
		if err := fn(); err != nil {
			return err
		}
		if r.accept(']') {
			return nil
		}
		if err := r.expect(','); err != nil {
			return err
		}
	}
}

func (v jsonScalar) null() bool { return !v.isStr && v.s == "null" }

func (v jsonScalar) str() (string, error) {
	if !v.isStr {
		return "", fmt.Errorf("%s is not a string", v.s)
	}
	return v.s, nil
}

// nullStr is a string, or "" for null.
func (v jsonScalar) nullStr() (string, error) {
	if v.null() {
		return "", nil
	}
	return v.str()
}

func (v jsonScalar) uuid() (uuid.UUID, error) {
	if !v.isStr {
		return uuid.Nil, fmt.Errorf("id %s is not a string", v.s)
	}
	return uuid.Parse(v.s)
}

// bool reads SQLite's 0/1 and PostgreSQL's false/true.
func (v jsonScalar) bool() (bool, error) {
	switch {
	case v.isStr:
	case v.s == "1" || v.s == "true":
		return true, nil
	case v.s == "0" || v.s == "false":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean", v.s)
}

// time reads SQLite's stored text or PostgreSQL's ISO 8601 with an offset,
// in UTC, as timeCol does for a time column.
func (v jsonScalar) time() (time.Time, error) {
	if !v.isStr {
		return time.Time{}, fmt.Errorf("time %s is not a string", v.s)
	}
	if t, ok := parseStoredTime(v.s); ok {
		return t, nil
	}
	var c timeCol
	if err := c.parse(v.s); err != nil {
		return time.Time{}, err
	}
	return c.Time, nil
}

// parseStoredTime reads the layout the store writes on SQLite (timeLayout:
// 2006-01-02T15:04:05.000000Z) without time.Parse's general machinery: a
// whoami reads a dozen of them. ok is false for anything else, including
// days past the 28th (whose validity depends on the month), which
// time.Parse then reads or refuses; where this reads, it gives what
// time.Parse(time.RFC3339Nano, s).UTC() gives.
func parseStoredTime(s string) (time.Time, bool) {
	if len(s) != len(timeLayout) || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
		s[16] != ':' || s[19] != '.' || s[26] != 'Z' {
		return time.Time{}, false
	}
	num := func(from, to int) int {
		n := 0
		for k := from; k < to; k++ {
			c := s[k]
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	year, month, day := num(0, 4), num(5, 7), num(8, 10)
	hour, minute, sec, micro := num(11, 13), num(14, 16), num(17, 19), num(20, 26)
	if year < 0 || month < 1 || month > 12 || day < 1 || day > 28 || hour < 0 || hour > 23 ||
		minute < 0 || minute > 59 || sec < 0 || sec > 59 || micro < 0 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, micro*1000, time.UTC), true
}

// timePtr is time, or nil for null.
func (v jsonScalar) timePtr() (*time.Time, error) {
	if v.null() {
		return nil, nil
	}
	t, err := v.time()
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// decodeAMR is what json.Unmarshal makes of a stored authentication_methods
// value, never nil. The stored values are arrays of flat objects of
// strings (SQLite keeps Go's encoding, PostgreSQL's JSONB reorders the keys
// and adds spaces); they are read by hand, anything else by encoding/json.
func decodeAMR(raw string) ([]session.AuthenticationMethod, error) {
	if raw == "" { // not JSON; read as no methods, as it always was
		return []session.AuthenticationMethod{}, nil
	}
	amr, ok := decodeAMRFast(raw)
	if !ok {
		if err := json.Unmarshal([]byte(raw), &amr); err != nil {
			return nil, err
		}
	}
	if amr == nil { // a stored JSON null
		amr = []session.AuthenticationMethod{}
	}
	return amr, nil
}

// amrMember reads one "key": value member of an AMR object onto m.
func amrMember(r *jsonReader, m *session.AuthenticationMethod) bool {
	key, err := r.scalar()
	if err != nil || !key.isStr || key.escaped || !r.accept(':') {
		return false
	}
	val, err := r.scalar()
	if err != nil || val.escaped || !(val.isStr || val.null()) {
		return false
	}
	switch key.s {
	case "method":
		if !val.null() {
			m.Method = identity.CredentialsType(val.s)
		}
	case "aal":
		if !val.null() {
			m.AAL = session.AAL(val.s)
		}
	case "completed_at":
		if !val.null() {
			return m.CompletedAt.UnmarshalText([]byte(val.s)) == nil
		}
	default:
		return false // encoding/json matches keys case-insensitively; let it
	}
	return true // null leaves a field as it is, as in encoding/json
}

// decodeAMRFast handles the arrays of objects with exactly the keys
// method, aal and completed_at whose values are strings without escapes
// or null. ok is false for anything else, including a time that
// time.Time's UnmarshalJSON would refuse, so encoding/json decides (and
// reports) it.
func decodeAMRFast(raw string) (_ []session.AuthenticationMethod, ok bool) {
	r := jsonReader{s: raw}
	if !r.accept('[') {
		return nil, false
	}
	amr := []session.AuthenticationMethod{}
	if r.accept(']') {
		return amr, r.end() == nil
	}
	for {
		var m session.AuthenticationMethod
		if !r.accept('{') {
			return nil, false
		}
		for !r.accept('}') {
			if !amrMember(&r, &m) {
				return nil, false
			}
			if r.next() != '}' && !r.accept(',') {
				return nil, false
			}
			if r.s[r.pos-1] == ',' && r.next() == '}' {
				return nil, false // a trailing comma
			}
		}
		amr = append(amr, m)
		if r.accept(']') {
			return amr, r.end() == nil
		}
		if !r.accept(',') {
			return nil, false
		}
	}
}
