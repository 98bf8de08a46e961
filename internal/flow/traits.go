package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
)

// TraitField is one leaf property of an identity schema's traits, as the
// registration (and settings profile) forms show it (settings §3.5).
type TraitField struct {
	Name       string // full dotted path, "traits.email"
	InputType  string // ui input type derived from type and format
	Required   bool   // listed in its parent's "required"
	Pattern    string
	Title      string
	Disabled   bool // "disableFormField": true
	Identifier bool // marked as a password credential identifier
}

// maxSchemaDepth bounds the walk; identity schemas are a few levels deep.
const maxSchemaDepth = 32

// TraitFields lists the leaf properties of raw's properties.traits in file
// order, following local $refs ("#/definitions/…"). Object properties are
// descended into, never listed themselves.
func TraitFields(raw []byte) ([]TraitField, error) {
	root, err := decodeOrdered(raw)
	if err != nil {
		return nil, fmt.Errorf("flow: identity schema: %w", err)
	}
	w := walker{root: root}
	traits := w.resolve(root.path("properties", "traits"), 0)
	if traits == nil {
		return nil, errors.New("flow: identity schema has no properties.traits object")
	}
	w.walk(traits, "traits", 0)
	return w.out, nil
}

// TraitNodes builds one input per field in group, with the values given by
// dotted name (absent names get no value).
func TraitNodes(fields []TraitField, group ui.Group, values map[string]any) []ui.Node {
	nodes := make([]ui.Node, 0, len(fields))
	for _, f := range fields {
		var opts []ui.InputOption
		if f.Required {
			opts = append(opts, ui.Required())
		}
		if f.Pattern != "" {
			opts = append(opts, ui.WithPattern(f.Pattern))
		}
		if f.Title != "" {
			opts = append(opts, ui.WithLabel(text.NewNodeLabelGenerated(f.Title)))
		}
		n := ui.NewInput(f.Name, values[f.Name], group, f.InputType, opts...)
		if f.Disabled {
			n.Attributes.(*ui.InputAttributes).Disabled = true
		}
		nodes = append(nodes, n)
	}
	return nodes
}

// FlattenTraits turns decoded traits into dotted names ("traits.name.first")
// for TraitNodes. Arrays are kept whole.
func FlattenTraits(traits map[string]any) map[string]any {
	out := map[string]any{}
	var rec func(prefix string, m map[string]any)
	rec = func(prefix string, m map[string]any) {
		for k, v := range m {
			if child, ok := v.(map[string]any); ok {
				rec(prefix+"."+k, child)
				continue
			}
			out[prefix+"."+k] = v
		}
	}
	rec("traits", traits)
	return out
}

type walker struct {
	root *object
	out  []TraitField
}

func (w *walker) walk(o *object, prefix string, depth int) {
	if depth > maxSchemaDepth {
		return
	}
	props := w.resolve(o.get("properties"), depth)
	if props == nil {
		return
	}
	var required []string
	if list, ok := o.get("required").([]any); ok {
		for _, v := range list {
			if s, ok := v.(string); ok {
				required = append(required, s)
			}
		}
	}
	for _, key := range props.keys {
		p := w.resolve(props.vals[key], depth+1)
		if p == nil {
			continue
		}
		name := prefix + "." + key
		typ := schemaType(p)
		if typ == "object" || (typ == "" && p.get("properties") != nil) {
			w.walk(p, name, depth+1)
			continue
		}
		f := TraitField{Name: name, InputType: inputType(key, typ, p), Required: slices.Contains(required, key)}
		f.Pattern, _ = p.get("pattern").(string)
		f.Title, _ = p.get("title").(string)
		f.Disabled, _ = p.get("disableFormField").(bool)
		if ext, ok := p.get("ory.sh/kratos").(*object); ok {
			id, _ := ext.path("credentials", "password", "identifier").(bool)
			f.Identifier = id
		}
		w.out = append(w.out, f)
	}
}

// resolve follows a local $ref chain; anything that is not an object schema
// gives nil.
func (w *walker) resolve(v any, depth int) *object {
	for range maxSchemaDepth {
		o, ok := v.(*object)
		if !ok {
			return nil
		}
		ref, ok := o.get("$ref").(string)
		if !ok || !strings.HasPrefix(ref, "#") {
			return o
		}
		var toks []string
		if p := strings.TrimPrefix(ref, "#"); p != "" {
			for _, t := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
				toks = append(toks, strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~"))
			}
		}
		v = w.root.path(toks...)
	}
	return nil
}

func schemaType(o *object) string {
	switch t := o.get("type").(type) {
	case string:
		return t
	case []any:
		for _, v := range t {
			if s, ok := v.(string); ok && s != "null" {
				return s
			}
		}
	}
	return ""
}

// inputType maps JSON-schema type and format to an input type (settings §3.5).
func inputType(name, typ string, p *object) string {
	if format, _ := p.get("format").(string); format != "" {
		switch format {
		case "email":
			return ui.InputEmail
		case "date-time":
			return ui.InputDateTime
		case "date":
			return ui.InputDate
		case "uri":
			return ui.InputURL
		}
	}
	if name == "password" {
		return ui.InputPassword
	}
	switch typ {
	case "number", "integer":
		return ui.InputNumber
	case "boolean":
		return ui.InputCheckbox
	}
	return ui.InputText
}

// object is a JSON object that remembers its key order.
type object struct {
	keys []string
	vals map[string]any
}

func (o *object) get(k string) any {
	if o == nil {
		return nil
	}
	return o.vals[k]
}

func (o *object) path(keys ...string) any {
	var v any = o
	for _, k := range keys {
		ob, ok := v.(*object)
		if !ok {
			return nil
		}
		v = ob.get(k)
	}
	return v
}

func decodeOrdered(raw []byte) (*object, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	v, err := decodeValue(dec, 0)
	if err != nil {
		return nil, err
	}
	o, ok := v.(*object)
	if !ok {
		return nil, errors.New("not a JSON object")
	}
	return o, nil
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	if depth > 2*maxSchemaDepth {
		return nil, errors.New("nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &object{vals: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				if _, dup := o.vals[k]; !dup {
					o.keys = append(o.keys, k)
				}
				o.vals[k] = v
			}
			_, err := dec.Token() // '}'
			return o, err
		case '[':
			var list []any
			for dec.More() {
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			_, err := dec.Token() // ']'
			return list, err
		}
	}
	return tok, nil
}

// TraitSortKeys is the order of trait nodes within a group: the fields
// that are password identifiers first, then the others, each in schema
// order (foundation §2.2).
func TraitSortKeys(fields []TraitField) []string {
	var ids, rest []string
	for _, f := range fields {
		if f.Identifier {
			ids = append(ids, f.Name)
		} else {
			rest = append(rest, f.Name)
		}
	}
	return append(ids, rest...)
}

// ConvertFormTraits gives form-posted trait values their schema types, as
// Kratos's decoder does (settings §1.5): numbers parse as numbers (kept as
// strings when they do not, so the schema reports the type), booleans via
// strconv.ParseBool.
func ConvertFormTraits(traits map[string]any, fields []TraitField) {
	for _, f := range fields {
		if f.InputType != ui.InputNumber && f.InputType != ui.InputCheckbox {
			continue
		}
		path := strings.Split(strings.TrimPrefix(f.Name, "traits."), ".")
		parent := traits
		for _, p := range path[:len(path)-1] {
			child, ok := parent[p].(map[string]any)
			if !ok {
				parent = nil
				break
			}
			parent = child
		}
		if parent == nil {
			continue
		}
		last := path[len(path)-1]
		s, ok := parent[last].(string)
		if !ok {
			continue
		}
		if f.InputType == ui.InputNumber {
			if _, err := strconv.ParseFloat(s, 64); err == nil {
				parent[last] = json.Number(s)
			}
			continue
		}
		if b, err := strconv.ParseBool(s); err == nil {
			parent[last] = b
		}
	}
}
