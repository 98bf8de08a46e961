package web

import (
	"net/http/httptest"
	"testing"
)

func TestIsJSONRequest(t *testing.T) {
	tests := []struct {
		name        string
		accept      string
		contentType string
		want        bool
	}{
		{name: "no headers", want: false},
		{name: "accept any", accept: "*/*", want: false},
		{name: "accept json", accept: "application/json", want: true},
		{name: "axios default", accept: "application/json, text/plain, */*", want: true},
		{name: "html and json tie, html first", accept: "text/html, application/json", want: false},
		{name: "json preferred by q", accept: "text/html;q=0.5, application/json", want: true},
		{name: "json refused", accept: "application/json;q=0", want: false},
		{name: "browser", accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", want: false},
		{name: "content type json", contentType: "application/json", want: true},
		{name: "content type json with charset (D15)", contentType: "application/json; charset=utf-8", want: true},
		{name: "content type form", contentType: "application/x-www-form-urlencoded", want: false},
		{name: "garbage content type", contentType: ";;;", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			if got := IsJSONRequest(r); got != tt.want {
				t.Errorf("IsJSONRequest = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAcceptsJSON(t *testing.T) {
	tests := []struct {
		accept string
		want   bool
	}{
		{"", false},
		{"*/*", false},
		{"application/json", true},
		{"text/html", false},
		{"application/json, text/plain, */*", true},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		if tt.accept != "" {
			r.Header.Set("Accept", tt.accept)
		}
		// A JSON content type must not matter here: only Accept decides.
		r.Header.Set("Content-Type", "application/json")
		if got := AcceptsJSON(r); got != tt.want {
			t.Errorf("AcceptsJSON(%q) = %v, want %v", tt.accept, got, tt.want)
		}
	}
}
