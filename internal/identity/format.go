package identity

import (
	"errors"
	"net/mail"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// kratosEmail is the "email" format as Kratos's validator checks it: at most
// 254 bytes, a local part of at most 64, a hostname after the last "@", and
// an address net/mail can parse. net/mail ignores surrounding spaces in the
// local part, so " a@x.io" is valid and then normalised by trimming — which
// is what makes " A@x.io" a duplicate of "a@x.io" rather than a schema error
// (foundation §2.3 and §5.2).
var kratosEmail = &jsonschema.Format{Name: "email", Validate: func(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil // format applies to strings only
	}
	if len(s) > 254 {
		return errors.New("longer than 254 characters")
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return errors.New("missing @")
	}
	if len(s[:at]) > 64 {
		return errors.New("local part longer than 64 characters")
	}
	if !isHostname(s[at+1:]) {
		return errors.New("invalid domain")
	}
	if _, err := mail.ParseAddress(s); err != nil {
		return err
	}
	return nil
}}

// isHostname follows RFC 1123: dot-separated labels of 1–63 letters, digits
// and inner hyphens, at most 253 bytes; one trailing dot allowed.
func isHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
