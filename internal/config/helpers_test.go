package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// minimalYAML holds only the required keys plus a cookie secret, so that
// every other value comes from the defaults.
const minimalYAML = `
dsn: memory
identity:
  schemas:
    - id: default
      url: file://./identity.schema.json
selfservice:
  default_browser_return_url: http://localhost:4455/
courier:
  smtp:
    connection_uri: smtp://127.0.0.1:1025/
secrets:
  cookie:
    - a-cookie-secret-of-enough-length
serve:
  public:
    base_url: http://localhost:4433/
  admin:
    base_url: http://localhost:4434/
`

// writeFile writes content to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// loadOpts describes one Load call in tests.
type loadOpts struct {
	files   []string // YAML contents, written as 0.yaml, 1.yaml, …
	env     []string // KEY=value
	dev     bool
	noFile  bool
	jsonExt bool // write files with .json instead of .yaml
}

// load writes the files into a temp dir and calls Load with a fixed host
// name and only the given environment.
func load(t *testing.T, o loadOpts) (*Config, error) {
	t.Helper()
	dir := t.TempDir()
	ext := ".yaml"
	if o.jsonExt {
		ext = ".json"
	}
	var paths []string
	for i, content := range o.files {
		paths = append(paths, writeFile(t, dir, strings.Repeat("f", i+1)+ext, content))
	}
	return Load(LoadOptions{
		Files:              paths,
		Environ:            o.env,
		Dev:                o.dev,
		DefaultsWhenNoFile: o.noFile,
		Hostname:           func() (string, error) { return "testhost", nil },
	})
}

// mustLoad is load that fails the test on error.
func mustLoad(t *testing.T, o loadOpts) *Config {
	t.Helper()
	c, err := load(t, o)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// withWarning reports whether some warning contains sub.
func withWarning(c *Config, sub string) bool {
	for _, w := range c.Warnings {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}
