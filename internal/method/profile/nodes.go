package profile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/flow/settings"
	"github.com/warden-id/warden/internal/identity"
	"github.com/warden-id/warden/internal/text"
	"github.com/warden-id/warden/internal/ui"
)

// PopulateSettings adds one input per trait of the identity's schema with
// the identity's current value, an input for each stored trait the schema
// does not know (typed by its value), and the "Save" button (§3.5).
func (m *Method) PopulateSettings(_ context.Context, f *settings.Flow, i *identity.Identity, _ map[identity.CredentialsType]identity.Credentials) error {
	values, err := flatTraits(i.Traits)
	if err != nil {
		return err
	}
	fields := m.fields[i.SchemaID]
	f.UI.Nodes = append(f.UI.Nodes, flow.TraitNodes(fields, ui.GroupProfile, values)...)
	for _, name := range unknownNames(fields, values) {
		f.UI.Nodes = append(f.UI.Nodes, valueNode(name, values[name]))
	}
	f.UI.Nodes = append(f.UI.Nodes, ui.NewInput("method", "profile", ui.GroupProfile, ui.InputSubmit,
		ui.WithLabel(text.NewNodeLabelSave())))
	return nil
}

// refill resets every traits.* node and fills in the submitted traits, so a
// failed submission shows what was typed and traits not submitted come
// back empty (§3.6). A submitted trait without a node gets one.
func refill(f *settings.Flow, traits map[string]any) {
	for k := range f.UI.Nodes {
		if a, ok := f.UI.Nodes[k].Attributes.(*ui.InputAttributes); ok && strings.HasPrefix(a.Name, "traits.") {
			a.Value = nil
		}
	}
	values := flow.FlattenTraits(traits)
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if n := f.UI.Find(name); n != nil {
			if a, ok := n.Attributes.(*ui.InputAttributes); ok {
				a.Value = values[name]
			}
			continue
		}
		f.UI.Nodes = append(f.UI.Nodes, valueNode(name, values[name]))
	}
}

// flatTraits decodes stored traits into dotted names, numbers kept exact.
func flatTraits(raw json.RawMessage) (map[string]any, error) {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var traits map[string]any
	if err := dec.Decode(&traits); err != nil {
		return nil, fmt.Errorf("profile: stored traits: %w", err)
	}
	return flow.FlattenTraits(traits), nil
}

// unknownNames are the trait paths with a value but no schema field, sorted.
func unknownNames(fields []flow.TraitField, values map[string]any) []string {
	known := make(map[string]bool, len(fields))
	for _, f := range fields {
		known[f.Name] = true
	}
	var out []string
	for name := range values {
		if !known[name] {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// valueNode is an input for a trait the schema does not describe, typed by
// its value as Kratos types it.
func valueNode(name string, v any) ui.Node {
	typ := ui.InputText
	switch v.(type) {
	case json.Number, float64:
		typ = ui.InputNumber
	case bool:
		typ = ui.InputCheckbox
	}
	return ui.NewInput(name, v, ui.GroupProfile, typ)
}
