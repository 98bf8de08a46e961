package identity

import (
	"net/url"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Extracted is what the "ory.sh/kratos" extension derives from valid
// traits. Lists are deduplicated and ordered by the schema file's property
// order (then array index), so the result does not depend on the order of
// keys a client sends.
type Extracted struct {
	PasswordIdentifiers []string // trimmed and lowercased
	WebAuthnIdentifiers []string // trimmed and lowercased
	TOTPAccountName     string   // trimmed; the first value found
	VerifiableAddresses []Address
	RecoveryAddresses   []Address
}

// Address is a derived address. Emails are trimmed and lowercased; phone
// numbers are reduced to "+" and digits.
type Address struct {
	Via   AddressVia
	Value string
}

// normalizeIdentifier is how identifiers and email addresses are stored and
// looked up (foundation §5.2).
func normalizeIdentifier(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// normalizeAddress gives the stored form of an address value.
func normalizeAddress(via AddressVia, value string) string {
	if via == ViaPhone {
		if p, ok := normalizePhone(value); ok {
			return p
		}
	}
	return normalizeIdentifier(value)
}

// extractor walks the compiled schema along the (already valid) instance
// and applies every "ory.sh/kratos" keyword it meets. Walking the compiled
// graph follows $ref, allOf and nested properties exactly as validation
// did; subtrees without the keyword are skipped (hasExt).
type extractor struct {
	s       *Schema
	out     Extracted
	seenPW  map[string]bool
	seenWA  map[string]bool
	seenVA  map[Address]bool
	seenRA  map[Address]bool
	atValue []*jsonschema.Schema // schemas already applied to the current value (cycle guard)
}

func (s *Schema) extract(traits any) Extracted {
	x := &extractor{s: s, seenPW: map[string]bool{}, seenWA: map[string]bool{}, seenVA: map[Address]bool{}, seenRA: map[Address]bool{}}
	if t, ok := s.compiled.Properties["traits"]; ok {
		x.walk(t, traits)
	}
	return x.out
}

func (x *extractor) walk(sch *jsonschema.Schema, v any) {
	if sch == nil || !x.s.hasExt[sch] || slices.Contains(x.atValue, sch) {
		return
	}
	x.atValue = append(x.atValue, sch)
	defer func() { x.atValue = x.atValue[:len(x.atValue)-1] }()

	for _, e := range sch.Extensions {
		if k, ok := e.(*kratosExt); ok {
			x.apply(k.cfg, v)
		}
	}
	if sch.Ref != nil {
		x.walk(sch.Ref, v)
		if sch.DraftVersion < 2019 {
			return // draft-07 and older ignore the siblings of $ref, as validation did
		}
	}
	for _, sub := range sch.AllOf {
		x.walk(sub, v)
	}
	// anyOf/oneOf/if: only the branches the value satisfies contribute, so a
	// failed alternative never produces identifiers.
	for _, sub := range append(slices.Clone(sch.AnyOf), sch.OneOf...) {
		if x.s.hasExt[sub] && sub.Validate(v) == nil {
			x.walk(sub, v)
		}
	}
	if sch.If != nil && (x.s.hasExt[sch.Then] || x.s.hasExt[sch.Else]) {
		if sch.If.Validate(v) == nil {
			x.walk(sch.Then, v)
		} else {
			x.walk(sch.Else, v)
		}
	}
	switch v := v.(type) {
	case map[string]any:
		x.walkObject(sch, v)
	case []any:
		x.walkArray(sch, v)
	}
}

func (x *extractor) walkObject(sch *jsonschema.Schema, obj map[string]any) {
	for name, dep := range sch.DependentSchemas {
		if _, ok := obj[name]; ok {
			x.walk(dep, obj)
		}
	}
	for name, dep := range sch.Dependencies {
		if d, ok := dep.(*jsonschema.Schema); ok {
			if _, present := obj[name]; present {
				x.walk(d, obj)
			}
		}
	}
	for _, name := range x.s.orderedProperties(sch) {
		if val, ok := obj[name]; ok {
			x.descend(sch.Properties[name], val)
		}
	}
	additional, _ := sch.AdditionalProperties.(*jsonschema.Schema)
	needOthers := x.s.hasExt[additional]
	for _, p := range sch.PatternProperties {
		needOthers = needOthers || x.s.hasExt[p]
	}
	if !needOthers {
		return
	}
	names := make([]string, 0, len(obj))
	for name := range obj {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		_, declared := sch.Properties[name]
		matched := declared
		for re, p := range sch.PatternProperties {
			if re.MatchString(name) {
				matched = true
				x.descend(p, obj[name])
			}
		}
		if !matched && additional != nil {
			x.descend(additional, obj[name])
		}
	}
}

func (x *extractor) walkArray(sch *jsonschema.Schema, arr []any) {
	switch items := sch.Items.(type) {
	case *jsonschema.Schema:
		for _, it := range arr {
			x.descend(items, it)
		}
	case []*jsonschema.Schema:
		for i, it := range arr {
			if i < len(items) {
				x.descend(items[i], it)
			} else if add, ok := sch.AdditionalItems.(*jsonschema.Schema); ok {
				x.descend(add, it)
			}
		}
	}
	for i, it := range arr {
		if i < len(sch.PrefixItems) {
			x.descend(sch.PrefixItems[i], it)
		} else {
			x.descend(sch.Items2020, it)
		}
	}
}

// descend walks a child value; the cycle guard is per value.
func (x *extractor) descend(sch *jsonschema.Schema, v any) {
	if sch == nil || !x.s.hasExt[sch] {
		return
	}
	saved := x.atValue
	x.atValue = nil
	x.walk(sch, v)
	x.atValue = saved
}

func (x *extractor) apply(cfg *extensionConfig, v any) {
	s, ok := v.(string)
	if !ok {
		return
	}
	if id := normalizeIdentifier(s); id != "" {
		if cfg.Credentials.Password.Identifier && !x.seenPW[id] {
			x.seenPW[id] = true
			x.out.PasswordIdentifiers = append(x.out.PasswordIdentifiers, id)
		}
		if cfg.Credentials.WebAuthn.Identifier && !x.seenWA[id] {
			x.seenWA[id] = true
			x.out.WebAuthnIdentifiers = append(x.out.WebAuthnIdentifiers, id)
		}
	}
	if cfg.Credentials.TOTP.AccountName && x.out.TOTPAccountName == "" {
		x.out.TOTPAccountName = strings.TrimSpace(s)
	}
	if via := cfg.verificationVia(); via != "" {
		if a := (Address{Via: via, Value: normalizeAddress(via, s)}); a.Value != "" && !x.seenVA[a] {
			x.seenVA[a] = true
			x.out.VerifiableAddresses = append(x.out.VerifiableAddresses, a)
		}
	}
	if via := cfg.recoveryVia(); via != "" {
		if a := (Address{Via: via, Value: normalizeAddress(via, s)}); a.Value != "" && !x.seenRA[a] {
			x.seenRA[a] = true
			x.out.RecoveryAddresses = append(x.out.RecoveryAddresses, a)
		}
	}
}

// orderedProperties lists sch.Properties in schema-file order; names the
// file order does not know (none, normally) follow sorted.
func (s *Schema) orderedProperties(sch *jsonschema.Schema) []string {
	if len(sch.Properties) == 0 {
		return nil
	}
	out := make([]string, 0, len(sch.Properties))
	seen := make(map[string]bool, len(sch.Properties))
	for _, name := range s.order[locationPointer(sch.Location)] {
		if _, ok := sch.Properties[name]; ok && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	var rest []string
	for name := range sch.Properties {
		if !seen[name] {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// locationFragment is the fragment of a compiled schema location as the
// library prints it: a JSON pointer, percent-escaped ("/properties/a%20b"),
// which is also how ory/jsonschema prints schema pointers.
func locationFragment(loc string) string {
	if i := strings.IndexByte(loc, '#'); i >= 0 {
		return loc[i+1:]
	}
	return ""
}

// locationPointer is the fragment unescaped: a plain JSON pointer into the
// schema document ("/properties/a b").
func locationPointer(loc string) string {
	frag := locationFragment(loc)
	if p, err := url.PathUnescape(frag); err == nil {
		return p
	}
	return frag
}

// extensionReach marks every schema from which a schema carrying the
// keyword can be reached, so that extraction skips everything else.
// Schemas form a graph with cycles ($ref), hence the fixpoint.
func extensionReach(root *jsonschema.Schema) map[*jsonschema.Schema]bool {
	var nodes []*jsonschema.Schema
	seen := map[*jsonschema.Schema]bool{}
	stack := []*jsonschema.Schema{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == nil || seen[n] {
			continue
		}
		seen[n] = true
		nodes = append(nodes, n)
		stack = append(stack, subschemas(n)...)
	}
	has := map[*jsonschema.Schema]bool{}
	for _, n := range nodes {
		for _, e := range n.Extensions {
			if _, ok := e.(*kratosExt); ok {
				has[n] = true
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, n := range nodes {
			if has[n] {
				continue
			}
			for _, c := range subschemas(n) {
				if has[c] {
					has[n], changed = true, true
					break
				}
			}
		}
	}
	return has
}

// subschemas lists the schemas extraction may walk into from n.
func subschemas(n *jsonschema.Schema) []*jsonschema.Schema {
	out := []*jsonschema.Schema{n.Ref, n.If, n.Then, n.Else, n.Items2020}
	out = append(out, n.AllOf...)
	out = append(out, n.AnyOf...)
	out = append(out, n.OneOf...)
	out = append(out, n.PrefixItems...)
	for _, p := range n.Properties {
		out = append(out, p)
	}
	for _, p := range n.PatternProperties {
		out = append(out, p)
	}
	for _, p := range n.DependentSchemas {
		out = append(out, p)
	}
	for _, d := range n.Dependencies {
		if p, ok := d.(*jsonschema.Schema); ok {
			out = append(out, p)
		}
	}
	if p, ok := n.AdditionalProperties.(*jsonschema.Schema); ok {
		out = append(out, p)
	}
	if p, ok := n.AdditionalItems.(*jsonschema.Schema); ok {
		out = append(out, p)
	}
	switch it := n.Items.(type) {
	case *jsonschema.Schema:
		out = append(out, it)
	case []*jsonschema.Schema:
		out = append(out, it...)
	}
	return out
}
