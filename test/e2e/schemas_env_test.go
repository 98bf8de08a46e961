package e2e

import "encoding/base64"

// Extra identity schemas, served as base64:// URLs next to the compat
// config's file:// schema. Each is the exact text GET /schemas/{id} must
// answer.
const (
	// usernameSchema has a password identifier without an email format, so
	// identifiers with surrounding spaces are valid traits.
	usernameSchema = `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"traits":{"type":"object","properties":{"username":{"type":"string","ory.sh/kratos":{"credentials":{"password":{"identifier":true}}}}},"required":["username"],"additionalProperties":false}}}`
	// plainSchema is like Kratos's handler-test stub: one string trait and no
	// extension, so identities of it have no credentials at all.
	plainSchema = `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"traits":{"type":"object","properties":{"bar":{"type":"string"}},"additionalProperties":false}}}`
)

// multiSchemaEnv configures three schemas through the environment
// (IDENTITY_SCHEMAS as JSON, decision D2): the compat file as "default",
// plus "username" and "plain".
func multiSchemaEnv() string {
	enc := func(s string) string { return "base64://" + base64.StdEncoding.EncodeToString([]byte(s)) }
	return `IDENTITY_SCHEMAS=[` +
		`{"id":"default","url":"file://./identity.schema.json"},` +
		`{"id":"username","url":"` + enc(usernameSchema) + `"},` +
		`{"id":"plain","url":"` + enc(plainSchema) + `"}]`
}
