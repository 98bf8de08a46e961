// Package identity owns the identity model (identity.go), the Store contract
// (store.go), the identity schemas with Kratos's "ory.sh/kratos" extension,
// traits validation, and the domain logic of the admin identity API
// (Service: create, update, JSON Patch).
//
// Schemas (schema.go, extension.go) are loaded and compiled once at startup
// by LoadSchemas; a schema that cannot be read, parsed or compiled, or that
// breaks Kratos's meta-rules, is a startup error. After loading nothing is
// fetched: remote $refs other than the JSON Schema meta-schemas are refused.
//
// Validation (validate.go, errors.go) checks traits against a schema and
// reports violations as *ValidationError, whose Causes carry Kratos's
// validator texts (ory/jsonschema wording, spec settings-flow §10.3) and
// whose Error() is the admin API's 400 reason. The same pass extracts what
// the extension asks for (identifiers, addresses, the TOTP account name).
// Hostile traits cost time linear in their size: CheckJSONShape bounds depth
// and number size and refuses invalid UTF-8 before anything else runs.
//
// Invariants kept by Service and ApplyTraits: password and webauthn
// identifiers and the verifiable and recovery addresses are always derived
// from the traits; an address whose via and value are unchanged keeps its id
// and verification state.
//
// identity imports apierr and text only (layer L1); it never imports
// net/http or internal/config: the app injects a Fetcher for http(s) schema
// URLs and builds ServiceOptions from the configuration.
package identity
