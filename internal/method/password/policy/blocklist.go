package policy

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Regenerate blocklist.txt.gz and blocklist_LICENSE.txt (runs npm pack; the
// generator checks the tarball against a pinned SHA-256):
//
//go:generate go run ./internal/blocklistgen

// blocklistGz is the offline list of common passwords (D17): 42,692 entries
// from @zxcvbn-ts/language-common 4.1.3 (MIT, see blocklist_LICENSE.txt),
// lower-cased, 6 to 72 bytes, sorted, one per line.
//
//go:embed blocklist.txt.gz
var blocklistGz []byte

// loadBlocklist decompresses the list once per process, on first use, so a
// Warden that never validates a password never pays for it. It is package
// state only because the embedded bytes are: the set is immutable after
// loading and shared by every Validator (a config reload builds a new
// Validator; it must not decompress the list again).
var loadBlocklist = sync.OnceValues(func() (map[string]struct{}, error) {
	return parseBlocklist(blocklistGz)
})

// parseBlocklist builds the lookup set. Keys are substrings of one
// decompressed string, so the set costs one allocation for the text plus the
// map itself.
func parseBlocklist(gz []byte) (map[string]struct{}, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("policy: open blocklist: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("policy: read blocklist: %w", err)
	}
	text := string(raw)
	set := make(map[string]struct{}, strings.Count(text, "\n"))
	for line := range strings.Lines(text) {
		if w := strings.TrimSuffix(line, "\n"); w != "" {
			set[w] = struct{}{}
		}
	}
	return set, nil
}

// blocklisted reports whether password is on the list. The list is
// lower-case, so the check is case-insensitive: "PassWord" is as guessable as
// "password".
func blocklisted(password string) (bool, error) {
	set, err := loadBlocklist()
	if err != nil {
		return false, err
	}
	_, ok := set[strings.ToLower(password)]
	return ok, nil
}
