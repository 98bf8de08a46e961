package ui

import (
	"fmt"
	"slices"
	"strings"
)

// SortOptions give the order of a flow's nodes.
type SortOptions struct {
	// Groups in order; a group not listed sorts first.
	Groups []Group
	// Keys is the position list: a node sorts at the index of the first
	// entry that is a prefix of its id; no match sorts after all entries.
	Keys []string
}

// Sort orders nodes as Kratos does (settings §3.4): by group, then by key
// position, "method" last within its group, ties by the value's %v form,
// stable otherwise.
func (c *Container) Sort(o SortOptions) {
	groupPos := func(g Group) int {
		if i := slices.Index(o.Groups, g); i >= 0 {
			return i + 1
		}
		return 0
	}
	keyPos := func(id string) int {
		if id == "method" {
			return len(o.Keys) + 1
		}
		for i, k := range o.Keys {
			if strings.HasPrefix(id, k) {
				return i
			}
		}
		return len(o.Keys)
	}
	slices.SortStableFunc(c.Nodes, func(a, b Node) int {
		if d := groupPos(a.Group) - groupPos(b.Group); d != 0 {
			return d
		}
		ida, idb := a.Attributes.ID(), b.Attributes.ID()
		if d := keyPos(ida) - keyPos(idb); d != 0 {
			return d
		}
		return strings.Compare(valueString(a), valueString(b))
	})
}

func valueString(n Node) string {
	if a, ok := n.Attributes.(*InputAttributes); ok {
		return fmt.Sprintf("%v", a.Value)
	}
	return ""
}
