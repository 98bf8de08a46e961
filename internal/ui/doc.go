// Package ui is the "ui" object every self-service flow carries: the
// container (action, method, nodes, messages) and its nodes with their
// typed attributes, exactly as Kratos serialises them (settings §3.2–§3.4).
//
// ui imports text only; it never imports net/http.
package ui
