package store

import (
	"encoding/json"
	"fmt"

	"github.com/warden-id/warden/internal/apierr"
	"github.com/warden-id/warden/internal/flow"
	"github.com/warden-id/warden/internal/ui"
)

// Shared by the flow tables (selfservice_*_flows): how the ui column is
// written and read (the other common columns are flow_row.go's).

// encodeUI is the ui column: the container with every csrf_token value
// blanked. A flow's CSRF secret is never written (D16); it is re-masked
// from the request's cookie whenever the flow is shown. c is not modified.
func encodeUI(c *ui.Container) (string, error) {
	if c == nil {
		return "{}", nil
	}
	stored := *c
	stored.Nodes = make([]ui.Node, len(c.Nodes))
	for k, n := range c.Nodes {
		if a, ok := n.Attributes.(*ui.InputAttributes); ok && a.Name == flow.CSRFNodeName {
			blank := *a
			blank.Value = ""
			n.Attributes = &blank
		}
		stored.Nodes[k] = n
	}
	b, err := json.Marshal(&stored)
	if err != nil {
		return "", apierr.Internal(fmt.Errorf("store: encode flow ui: %w", err))
	}
	return string(b), nil
}

// decodeUI reads the ui column.
func decodeUI(raw json.RawMessage) (*ui.Container, error) {
	c := &ui.Container{}
	if err := json.Unmarshal(raw, c); err != nil {
		return nil, fmt.Errorf("decode flow ui: %w", err)
	}
	if c.Nodes == nil {
		c.Nodes = []ui.Node{}
	}
	return c, nil
}
