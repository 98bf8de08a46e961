package session

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/warden-id/warden/internal/identity"
)

// appendSessionJSON appends s followed by a newline, byte for byte what
// json.NewEncoder(w).Encode(s) writes (HTML escaping on, as web.WriteJSON
// does), for the sessions whoami answers. It exists because encoding/json
// walked the value by reflection and re-compacted the stored traits: about
// a sixth of a whoami call. ok is false when s has a part this encoder does
// not write by hand and that also has no exact spliced equivalent, or when
// encoding/json would fail (a time outside years 0–9999): the caller then
// uses encoding/json, so the answer never differs.
//
// Keep it in step with the JSON tags of Session, identity.Identity and the
// address types; TestAppendSessionJSON compares the two encoders and fails
// when a field is added to one of those types.
func appendSessionJSON(b []byte, s *Session) (_ []byte, ok bool) {
	b = append(b, `{"id":`...)
	b = appendUUID(b, s.ID)
	b = append(b, `,"active":`...)
	b = strconv.AppendBool(b, s.Active)
	b = append(b, `,"expires_at":`...)
	if b, ok = appendTime(b, s.ExpiresAt); !ok {
		return b, false
	}
	b = append(b, `,"authenticated_at":`...)
	if b, ok = appendTime(b, s.AuthenticatedAt); !ok {
		return b, false
	}
	b = append(b, `,"authenticator_assurance_level":`...)
	b = appendString(b, string(s.AAL))
	b = append(b, `,"authentication_methods":`...)
	if s.AMR == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for k, m := range s.AMR {
			if k > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"method":`...)
			b = appendString(b, string(m.Method))
			b = append(b, `,"aal":`...)
			b = appendString(b, string(m.AAL))
			b = append(b, `,"completed_at":`...)
			if b, ok = appendTime(b, m.CompletedAt); !ok {
				return b, false
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"issued_at":`...)
	if b, ok = appendTime(b, s.IssuedAt); !ok {
		return b, false
	}
	b = append(b, `,"identity":`...)
	if b, ok = appendIdentity(b, s.Identity); !ok {
		return b, false
	}
	b = append(b, `,"devices":`...)
	switch {
	case s.Devices == nil:
		b = append(b, "null"...)
	case len(s.Devices) == 0:
		b = append(b, "[]"...)
	default:
		// No session has devices yet; encoding/json's output of the part
		// is what it would write inside the whole.
		if b, ok = appendMarshal(b, s.Devices); !ok {
			return b, false
		}
	}
	return append(b, "}\n"...), true
}

func appendIdentity(b []byte, i *identity.Identity) (_ []byte, ok bool) {
	if i == nil {
		return append(b, "null"...), true
	}
	if len(i.MetadataAdmin) > 0 || len(i.Credentials) > 0 {
		return b, false // never in a session's public view
	}
	b = append(b, `{"id":`...)
	b = appendUUID(b, i.ID)
	b = append(b, `,"schema_id":`...)
	b = appendString(b, i.SchemaID)
	b = append(b, `,"schema_url":`...)
	b = appendString(b, i.SchemaURL)
	b = append(b, `,"state":`...)
	b = appendString(b, string(i.State))
	if i.StateChangedAt != nil {
		b = append(b, `,"state_changed_at":`...)
		if b, ok = appendTime(b, *i.StateChangedAt); !ok {
			return b, false
		}
	}
	b = append(b, `,"traits":`...)
	if b, ok = appendRawJSON(b, i.Traits); !ok {
		return b, false
	}
	if len(i.VerifiableAddresses) > 0 {
		b = append(b, `,"verifiable_addresses":[`...)
		for k, a := range i.VerifiableAddresses {
			if k > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = appendUUID(b, a.ID)
			b = append(b, `,"value":`...)
			b = appendString(b, a.Value)
			b = append(b, `,"verified":`...)
			b = strconv.AppendBool(b, a.Verified)
			b = append(b, `,"via":`...)
			b = appendString(b, string(a.Via))
			b = append(b, `,"status":`...)
			b = appendString(b, a.Status)
			if a.VerifiedAt != nil {
				b = append(b, `,"verified_at":`...)
				if b, ok = appendTime(b, *a.VerifiedAt); !ok {
					return b, false
				}
			}
			if b, ok = appendCreatedUpdated(b, a.CreatedAt, a.UpdatedAt); !ok {
				return b, false
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(i.RecoveryAddresses) > 0 {
		b = append(b, `,"recovery_addresses":[`...)
		for k, a := range i.RecoveryAddresses {
			if k > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = appendUUID(b, a.ID)
			b = append(b, `,"value":`...)
			b = appendString(b, a.Value)
			b = append(b, `,"via":`...)
			b = appendString(b, string(a.Via))
			if b, ok = appendCreatedUpdated(b, a.CreatedAt, a.UpdatedAt); !ok {
				return b, false
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"metadata_public":`...)
	if b, ok = appendRawJSON(b, i.MetadataPublic); !ok {
		return b, false
	}
	if b, ok = appendCreatedUpdated(b, i.CreatedAt, i.UpdatedAt); !ok {
		return b, false
	}
	return append(b, '}'), true
}

func appendCreatedUpdated(b []byte, created, updated time.Time) (_ []byte, ok bool) {
	b = append(b, `,"created_at":`...)
	if b, ok = appendTime(b, created); !ok {
		return b, false
	}
	b = append(b, `,"updated_at":`...)
	return appendTime(b, updated)
}

// appendUUID is uuid.UUID's MarshalText in quotes, as encoding/json writes
// a TextMarshaler.
func appendUUID(b []byte, id [16]byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for k, c := range id {
		if k == 4 || k == 6 || k == 8 || k == 10 {
			b = append(b, '-')
		}
		b = append(b, hex[c>>4], hex[c&0x0f])
	}
	return append(b, '"')
}

// appendTime is time.Time's MarshalJSON (RFC 3339 with nanoseconds, trailing
// zeros dropped), which refuses years outside 0–9999: so does this.
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	b = append(b, '"')
	b, err := t.AppendText(b)
	if err != nil {
		return b, false
	}
	return append(b, '"'), true
}

// appendString quotes s as encoding/json does with HTML escaping. Plain
// printable ASCII, which ids, names and nearly every address are, is
// copied; anything else is left to encoding/json.
func appendString(b []byte, s string) []byte {
	for k := 0; k < len(s); k++ {
		c := s[k]
		if c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			out, _ := json.Marshal(s) // a string always encodes
			return append(b, out...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendRawJSON writes raw as encoding/json writes a json.RawMessage: nil
// as null, otherwise compacted with <, >, &, U+2028 and U+2029 escaped,
// and an error (here: not ok) when raw is not valid JSON. Bytes that
// compacting or escaping could change send raw through encoding/json; the
// common case, compact JSON as SQLite keeps it, is checked and copied.
func appendRawJSON(b []byte, raw json.RawMessage) ([]byte, bool) {
	if raw == nil {
		return append(b, "null"...), true
	}
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\n', '\r', '<', '>', '&', 0xE2: // 0xE2 leads U+2028 and U+2029
			return appendMarshal(b, raw)
		}
	}
	if !json.Valid(raw) {
		return b, false
	}
	return append(b, raw...), true
}

// appendMarshal appends encoding/json's encoding of v, which is what the
// encoder writes for v inside a larger value.
func appendMarshal(b []byte, v any) ([]byte, bool) {
	out, err := json.Marshal(v)
	if err != nil {
		return b, false
	}
	return append(b, out...), true
}
