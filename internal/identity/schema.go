package identity

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// DefaultSchemaID is Kratos's identity.default_schema_id default.
const DefaultSchemaID = "default"

// maxSchemaFileBytes bounds a schema read from a file. No identity schema
// comes close; the bound only keeps a misconfiguration from eating memory.
const maxSchemaFileBytes = 4 << 20

// SchemaSource is one identity.schemas entry.
type SchemaSource struct{ ID, URL string }

// Fetcher fetches http(s) URLs. The app injects it because it owns net/http
// (identity sits below the HTTP layer).
type Fetcher func(ctx context.Context, rawURL string) ([]byte, error)

// Schemas is the immutable set of identity schemas loaded at startup. It is
// safe for concurrent use.
type Schemas struct {
	defaultID string
	list      []*Schema
	byID      map[string]*Schema
}

// Schema is one compiled identity schema. Raw holds the exact file bytes,
// which GET /schemas/{id} serves.
type Schema struct {
	ID  string
	URL string
	Raw []byte

	compiled *jsonschema.Schema
	doc      any                 // Raw parsed (numbers as json.Number), for keyword lookups in messages
	order    map[string][]string // schema location fragment → its "properties" keys in file order
	hasExt   map[*jsonschema.Schema]bool
}

// LoadSchemas reads, checks and compiles every schema once. Errors name the
// schema id and URL; the caller prefixes the config key. defaultID empty
// means "default"; it must name one of srcs.
func LoadSchemas(ctx context.Context, srcs []SchemaSource, defaultID string, fetch Fetcher) (*Schemas, error) {
	if len(srcs) == 0 {
		return nil, errors.New("at least one schema must be configured")
	}
	if defaultID == "" {
		defaultID = DefaultSchemaID
	}
	vocab, err := newVocabulary()
	if err != nil {
		return nil, err
	}
	s := &Schemas{defaultID: defaultID, byID: make(map[string]*Schema, len(srcs))}
	for _, src := range srcs {
		if src.ID == "" {
			return nil, fmt.Errorf("schema with url %s: the id is empty", shorten(src.URL))
		}
		if _, dup := s.byID[src.ID]; dup {
			return nil, fmt.Errorf("schema %q: the id is used twice", src.ID)
		}
		raw, err := readSchemaSource(ctx, src.URL, fetch)
		if err != nil {
			return nil, fmt.Errorf("schema %q (%s): %w", src.ID, shorten(src.URL), err)
		}
		sch, err := compileSchema(src, raw, vocab)
		if err != nil {
			return nil, fmt.Errorf("schema %q (%s): %w", src.ID, shorten(src.URL), err)
		}
		s.list = append(s.list, sch)
		s.byID[src.ID] = sch
	}
	if _, ok := s.byID[defaultID]; !ok {
		return nil, fmt.Errorf("identity.default_schema_id %q names none of the configured schemas", defaultID)
	}
	return s, nil
}

// DefaultID is the id used when a request names no schema.
func (s *Schemas) DefaultID() string { return s.defaultID }

// Get finds a schema by its raw id.
func (s *Schemas) Get(id string) (*Schema, bool) {
	sch, ok := s.byID[id]
	return sch, ok
}

// Lookup finds a schema by raw id or by the base64url encoding of the id,
// as schema_url uses (foundation §5.2). Padded and standard base64 are
// accepted too because clients re-encode ids in every variant.
func (s *Schemas) Lookup(idOrBase64 string) (*Schema, bool) {
	if sch, ok := s.byID[idOrBase64]; ok {
		return sch, true
	}
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.StdEncoding} {
		if b, err := enc.DecodeString(idOrBase64); err == nil {
			if sch, ok := s.byID[string(b)]; ok {
				return sch, true
			}
		}
	}
	return nil, false
}

// List returns the schemas in config order. The slice is a copy.
func (s *Schemas) List() []*Schema {
	return append([]*Schema(nil), s.list...)
}

// SchemaURL is PUBLIC/schemas/<base64url-no-padding(id)> (foundation §5.1),
// e.g. "default" → http://x/schemas/ZGVmYXVsdA. A nil base gives the path.
func SchemaURL(publicBase *url.URL, id string) string {
	enc := base64.RawURLEncoding.EncodeToString([]byte(id))
	if publicBase == nil {
		return "/schemas/" + enc
	}
	return publicBase.JoinPath("schemas", enc).String()
}

// readSchemaSource reads a schema URL: file:// (relative to the working
// directory as Kratos does: file://./identity.schema.json, or absolute:
// file:///etc/x.json), base64:// (standard or URL alphabet, padded or not),
// http(s):// through fetch. A URL without a scheme is read as a file path.
func readSchemaSource(ctx context.Context, raw string, fetch Fetcher) ([]byte, error) {
	lower := strings.ToLower(raw)
	switch {
	case strings.HasPrefix(lower, "file://"):
		p := raw[len("file://"):]
		if i := strings.IndexAny(p, "?#"); i >= 0 {
			p = p[:i]
		}
		if unescaped, err := url.PathUnescape(p); err == nil {
			p = unescaped
		}
		return readSchemaFile(p)
	case strings.HasPrefix(lower, "base64://"):
		enc := strings.TrimRight(strings.TrimSpace(raw[len("base64://"):]), "=")
		if b, err := base64.RawURLEncoding.DecodeString(enc); err == nil {
			return b, nil
		}
		b, err := base64.RawStdEncoding.DecodeString(enc)
		if err != nil {
			return nil, fmt.Errorf("decode base64: %w", err)
		}
		return b, nil
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"):
		if fetch == nil {
			return nil, errors.New("http(s) schema URLs need a fetcher")
		}
		b, err := fetch(ctx, raw)
		if err != nil {
			return nil, fmt.Errorf("fetch: %w", err)
		}
		return b, nil
	case !strings.Contains(raw, "://"):
		return readSchemaFile(raw)
	default:
		return nil, errors.New("unsupported URL scheme (use file://, base64://, http:// or https://)")
	}
}

func readSchemaFile(path string) ([]byte, error) {
	if path == "" {
		return nil, errors.New("the file path is empty")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	b, err := readRegularFile(f, path)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close: %w", cerr)
	}
	return b, err
}

// readRegularFile refuses directories and reads at most maxSchemaFileBytes
// (a device file or a huge log must not eat memory at startup).
func readRegularFile(f *os.File, path string) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSchemaFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(b) > maxSchemaFileBytes {
		return nil, fmt.Errorf("the file is larger than %d bytes", maxSchemaFileBytes)
	}
	return b, nil
}

// compileSchema checks Kratos's meta-rules and compiles the schema once.
func compileSchema(src SchemaSource, raw []byte, vocab *jsonschema.Vocabulary) (*Schema, error) {
	if !utf8.Valid(raw) {
		return nil, errors.New("the schema is not valid UTF-8")
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("parse JSON: %w", err)
	}
	if err := checkMetaRules(doc); err != nil {
		return nil, err
	}
	order, err := propertyOrder(raw)
	if err != nil {
		return nil, fmt.Errorf("parse JSON: %w", err)
	}
	c := jsonschema.NewCompiler()
	// Kratos (ory/jsonschema) reads schemas without $schema as draft-07 and
	// always asserts "format"; newer drafts are used when $schema says so.
	c.DefaultDraft(jsonschema.Draft7)
	c.AssertFormat()
	c.RegisterFormat(kratosEmail)
	c.AssertVocabs()
	c.RegisterVocabulary(vocab)
	c.UseLoader(refusingLoader{})
	loc := "urn:warden:identity-schema:" + base64.RawURLEncoding.EncodeToString([]byte(src.ID))
	if err := c.AddResource(loc, doc); err != nil {
		return nil, fmt.Errorf("add schema: %w", err)
	}
	compiled, err := c.Compile(loc)
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	return &Schema{
		ID: src.ID, URL: src.URL, Raw: raw,
		compiled: compiled, doc: doc, order: order,
		hasExt: extensionReach(compiled),
	}, nil
}

// checkMetaRules enforces Kratos's identity meta-schema (foundation §5.2):
// properties.traits is of type object and declares at least one property.
func checkMetaRules(doc any) error {
	root, ok := doc.(map[string]any)
	if !ok {
		return errors.New("the schema must be a JSON object")
	}
	props, _ := root["properties"].(map[string]any)
	traits, ok := props["traits"].(map[string]any)
	if !ok {
		return errors.New(`the schema must declare "properties.traits" as an object schema`)
	}
	if t, _ := traits["type"].(string); t != "object" {
		return errors.New(`"properties.traits.type" must be "object"`)
	}
	if tp, _ := traits["properties"].(map[string]any); len(tp) == 0 {
		return errors.New(`"properties.traits.properties" must declare at least one property`)
	}
	return nil
}

// refusingLoader refuses every URL the compiler cannot resolve itself. The
// JSON Schema meta-schemas are embedded in the library and never reach it;
// anything else would mean network or disk access outside startup config.
type refusingLoader struct{}

func (refusingLoader) Load(u string) (any, error) {
	return nil, fmt.Errorf("$ref to %s is not supported: identity schemas may only reference themselves and the JSON Schema meta-schemas", u)
}

// shorten keeps error messages readable when a base64:// URL is long.
func shorten(u string) string {
	if len(u) <= 80 {
		return u
	}
	return u[:77] + "..."
}
