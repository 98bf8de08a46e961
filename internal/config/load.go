package config

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/knadh/koanf/parsers/json"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
)

// LoadOptions are Load's inputs. Everything that comes from the process
// (environment, host name) is passed in, so tests need no globals.
type LoadOptions struct {
	// Files are the -c files, merged in order: later files win, maps merge,
	// lists are replaced. ".json" is parsed as JSON, anything else as YAML
	// (a superset of JSON). TOML, which Kratos also reads, is refused.
	Files []string
	// Getenv reads one variable; nil means "take the value from Environ".
	// With Getenv but no Environ, every known variable name is asked for.
	Getenv func(string) string
	// Environ lists the environment in os.Environ() form. It is how Load
	// discovers which overrides exist (D2: path upper-cased, "." → "_").
	Environ []string
	// Dev is the --dev flag. The config key `dev: true` has the same effect.
	Dev bool
	// DefaultsWhenNoFile selects the built-in configuration when Files is
	// empty: SQLite file in the working directory, email+password schema,
	// loopback listeners, generated secrets (D2). Ignored when Files is set.
	DefaultsWhenNoFile bool
	// Hostname names this machine for guessed base URLs; nil means
	// os.Hostname.
	Hostname func() (string, error)
}

// Load merges built-in defaults, the no-file layer, Files and the
// environment (in that order of precedence, lowest first), then decodes and
// validates the result. Every invalid value is reported, each naming its key;
// unknown keys are warnings in Config.Warnings.
func Load(o LoadOptions) (*Config, error) {
	c, _, err := loadConfig(o)
	return c, err
}

// loadConfig is Load that also returns the reader, so tests can see which
// keys were read.
func loadConfig(o LoadOptions) (*Config, *reader, error) {
	keys := newKeyTable()
	k := koanf.New(".")

	noFile := len(o.Files) == 0 && o.DefaultsWhenNoFile
	if noFile {
		if err := k.Load(mapProvider(noFileLayer()), nil); err != nil {
			return nil, nil, fmt.Errorf("config: built-in defaults: %w", err)
		}
	}
	for _, f := range o.Files {
		if strings.EqualFold(filepath.Ext(f), ".toml") {
			// Kratos reads TOML too; Warden has no TOML parser (no koanf
			// TOML module in the dependency list), so say so plainly.
			return nil, nil, fmt.Errorf("config: load %s: TOML is not supported, use YAML or JSON", f)
		}
		if err := k.Load(file.Provider(f), parserFor(f)); err != nil {
			return nil, nil, fmt.Errorf("config: load %s: %w", f, err)
		}
	}
	if err := applyEnv(k, keys, o); err != nil {
		return nil, nil, err
	}

	r := &reader{k: k, keys: keys, read: map[string]bool{}}
	warnings := checkKeys(r)
	cfg := decode(r)
	cfg.Warnings = append(warnings, finish(cfg, r, o, noFile)...)
	if err := joinErrs(r.errs); err != nil {
		return nil, r, err
	}
	return cfg, r, nil
}

// parserFor picks the parser by file extension.
func parserFor(path string) koanf.Parser {
	if strings.EqualFold(filepath.Ext(path), ".json") {
		return json.Parser()
	}
	return yaml.Parser()
}

// checkKeys sorts every configured key into known, known-but-unsupported and
// unknown. Unknown keys only warn (D2): a typo must not stop a server whose
// file also serves Kratos, but it must be visible.
func checkKeys(r *reader) []string {
	var warnings, notUsed []string
	for _, key := range r.k.Keys() {
		if s, ok := r.keys.lookup(key); ok {
			if s.use == unsupported && !slices.Contains(notUsed, s.path) {
				notUsed = append(notUsed, s.path)
			}
			continue
		}
		if r.keys.parents[key] {
			// An empty or null section ("serve: {}", "after:") is fine; a
			// scalar where a section belongs is not.
			if v := r.k.Get(key); v != nil {
				if m, isMap := v.(map[string]any); !isMap || len(m) > 0 {
					r.failf(key, "expected an object, got %s", describe(v))
				}
			}
			continue
		}
		warnings = append(warnings, fmt.Sprintf("config: unknown key %q ignored", key))
	}
	if len(notUsed) > 0 {
		warnings = append(warnings, fmt.Sprintf("config: keys accepted but not used by Warden: %s",
			strings.Join(notUsed, ", ")))
	}
	return warnings
}

// mapProvider feeds an in-memory nested map to koanf.
type mapProvider map[string]any

func (m mapProvider) ReadBytes() ([]byte, error) {
	return nil, fmt.Errorf("config: map provider has no bytes")
}

func (m mapProvider) Read() (map[string]any, error) { return m, nil }
