// Package internal holds no code; this test enforces the import rules of
// design/architecture.md over every package below it, the way tailscale's
// deptest does: by asking `go list` for the real import graph.
package internal

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/warden-id/warden"

// pkg is what `go list -json` says about one package.
type pkg struct {
	ImportPath string
	Imports    []string // direct, non-test
	Deps       []string // transitive, non-test
	Standard   bool
}

// listPackages runs `go list -deps -json` on the whole module once.
func listPackages(t *testing.T) map[string]pkg {
	t.Helper()
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	cmd := exec.Command("go", "list", "-deps", "-json", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

// TestNoNetHTTP: the domain and wire-vocabulary packages never depend on
// net/http, directly or through another package, so they stay usable and
// testable without a server (architecture.md, layers L0–L1). A package not
// written yet (ui) is skipped.
func TestNoNetHTTP(t *testing.T) {
	pkgs := listPackages(t)
	for _, name := range []string{"identity", "hash", "ui", "apierr", "text"} {
		p, ok := pkgs[module+"/internal/"+name]
		if !ok {
			t.Logf("internal/%s does not exist (yet); skipped", name)
			continue
		}
		if slices.Contains(p.Deps, "net/http") {
			t.Errorf("internal/%s depends on net/http via %s", name, strings.Join(pathTo(pkgs, p.ImportPath, "net/http"), " → "))
		}
	}
}

// TestLayerZeroIsStdlibOnly: apierr and text import only the standard
// library (layer L0).
func TestLayerZeroIsStdlibOnly(t *testing.T) {
	pkgs := listPackages(t)
	for _, name := range []string{"apierr", "text"} {
		p, ok := pkgs[module+"/internal/"+name]
		if !ok {
			t.Errorf("internal/%s is missing", name)
			continue
		}
		for _, imp := range p.Imports {
			if !pkgs[imp].Standard {
				t.Errorf("internal/%s imports %s", name, imp)
			}
		}
	}
}

// TestAppImporters: internal/app is the composition root; only cmd/ and
// internal/cli build it (tests may too, but test imports are not listed).
func TestAppImporters(t *testing.T) {
	pkgs := listPackages(t)
	app := module + "/internal/app"
	if _, ok := pkgs[app]; !ok {
		t.Fatal("internal/app is missing")
	}
	for path, p := range pkgs {
		if !slices.Contains(p.Imports, app) {
			continue
		}
		if strings.HasPrefix(path, module+"/cmd/") || path == module+"/internal/cli" {
			continue
		}
		t.Errorf("%s imports internal/app; only cmd/ and internal/cli may", path)
	}
}

// TestTestKitsOnlyInTests: the packages that help tests (storetest,
// flowtest) never end up in the binary.
func TestTestKitsOnlyInTests(t *testing.T) {
	pkgs := listPackages(t)
	kits := []string{module + "/internal/store/storetest", module + "/internal/flow/flowtest"}
	for path, p := range pkgs {
		if slices.Contains(kits, path) {
			continue
		}
		for _, kit := range kits {
			if slices.Contains(p.Imports, kit) {
				t.Errorf("%s imports %s outside its tests", path, kit)
			}
		}
	}
}

// pathTo finds one import chain from "from" to "to", for the error message.
func pathTo(pkgs map[string]pkg, from, to string) []string {
	seen := map[string]bool{}
	var walk func(p string) []string
	walk = func(p string) []string {
		if p == to {
			return []string{p}
		}
		if seen[p] {
			return nil
		}
		seen[p] = true
		for _, imp := range pkgs[p].Imports {
			if rest := walk(imp); rest != nil {
				return append([]string{p}, rest...)
			}
		}
		return nil
	}
	if chain := walk(from); chain != nil {
		return chain
	}
	return []string{from, "…", to}
}
