package ui

import (
	"github.com/warden-id/warden/internal/text"
)

// Container is a flow's "ui" object.
type Container struct {
	Action   string         `json:"action"`
	Method   string         `json:"method"`
	Nodes    []Node         `json:"nodes"`
	Messages []text.Message `json:"messages,omitempty"`
}

// NewContainer is an empty POST form posting to action.
func NewContainer(action string) *Container {
	return &Container{Action: action, Method: "POST", Nodes: []Node{}}
}

// Find returns the node with this id, or nil.
func (c *Container) Find(id string) *Node {
	for k := range c.Nodes {
		if c.Nodes[k].Attributes.ID() == id {
			return &c.Nodes[k]
		}
	}
	return nil
}

// FindInGroup returns the node with this id in group g, or nil. Several
// groups have a node named "method".
func (c *Container) FindInGroup(id string, g Group) *Node {
	for k := range c.Nodes {
		if c.Nodes[k].Group == g && c.Nodes[k].Attributes.ID() == id {
			return &c.Nodes[k]
		}
	}
	return nil
}

// Upsert replaces the node with the same id and group, or appends it.
func (c *Container) Upsert(n Node) {
	if old := c.FindInGroup(n.Attributes.ID(), n.Group); old != nil {
		*old = n
		return
	}
	c.Nodes = append(c.Nodes, n)
}

// Remove drops every node with this id.
func (c *Container) Remove(id string) {
	kept := c.Nodes[:0]
	for _, n := range c.Nodes {
		if n.Attributes.ID() != id {
			kept = append(kept, n)
		}
	}
	c.Nodes = kept
}

// SetValue sets an input node's value; a missing node is left alone.
func (c *Container) SetValue(id string, v any) {
	if n := c.Find(id); n != nil {
		if a, ok := n.Attributes.(*InputAttributes); ok {
			a.Value = v
		}
	}
}

// ResetMessages clears the flow's and every node's messages, as Kratos does
// before it maps a new error onto the flow (foundation §0.7).
func (c *Container) ResetMessages() {
	c.Messages = nil
	for k := range c.Nodes {
		c.Nodes[k].Messages = []text.Message{}
	}
}

// AddMessage adds a message to the node named field, or to the flow when
// field is empty. A missing node is created as a text input in the default
// group to carry it, as Kratos does.
func (c *Container) AddMessage(field string, m text.Message) {
	if field == "" {
		c.Messages = append(c.Messages, m)
		return
	}
	n := c.Find(field)
	if n == nil {
		c.Nodes = append(c.Nodes, NewInput(field, nil, GroupDefault, InputText))
		n = &c.Nodes[len(c.Nodes)-1]
	}
	n.Messages = append(n.Messages, m)
}
