package totp

import "testing"

// BenchmarkQR is the cost of rendering a pending key's QR code, the reason
// the settings method reuses a pending key (and its QR) across flows.
func BenchmarkQR(b *testing.B) {
	k, err := newKey("Warden Test", "me@example.com")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := qrDataURL(k); err != nil {
			b.Fatal(err)
		}
	}
}
