// Package apierr: see apierr.go. Importable by every layer; imports only stdlib.
package apierr
