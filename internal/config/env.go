package config

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/knadh/koanf/v2"
)

// applyEnv overrides keys from the environment (D2). Names are resolved
// against the known key table, never split on "_": keys such as
// default_browser_return_url contain underscores themselves, so
// SELFSERVICE_DEFAULT_BROWSER_RETURN_URL has no unique naive reading.
// Variables that name no key (PATH, HOME, …) are ignored.
func applyEnv(k *koanf.Koanf, keys *keyTable, o LoadOptions) error {
	names := make([]string, 0, len(o.Environ))
	values := map[string]string{}
	if o.Environ == nil && o.Getenv != nil {
		// Only a lookup function: ask it for every known name. An empty
		// value then counts as unset, since Getenv cannot tell them apart.
		for name := range keys.env {
			if v := o.Getenv(name); v != "" {
				names = append(names, name)
				values[name] = v
			}
		}
	}
	for _, kv := range o.Environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if _, known := keys.env[name]; !known {
			continue
		}
		if _, seen := values[name]; !seen {
			names = append(names, name)
			values[name] = value
		}
	}
	// Apply in a fixed order so that a parent and a child override (say
	// IDENTITY_SCHEMAS and nothing else today) behave the same on every run.
	sort.Strings(names)

	var errs []error
	for _, name := range names {
		value := values[name]
		if o.Getenv != nil {
			value = o.Getenv(name)
		}
		path := keys.env[name]
		v, err := envValue(keys.spec(path).kind, value)
		if err != nil {
			errs = append(errs, fmt.Errorf("config: %s (env %s): %w", path, name, err))
			continue
		}
		// Delete first so an object from the environment replaces the file's
		// object instead of merging into it, like an array does.
		k.Delete(path)
		if err := k.Set(path, v); err != nil {
			errs = append(errs, fmt.Errorf("config: %s (env %s): %w", path, name, err))
		}
	}
	return joinErrs(errs)
}

// envValue converts an environment string to what a YAML file would hold
// for a key of kind k. Scalars stay strings: the typed readers accept both.
func envValue(k kind, s string) (any, error) {
	switch k {
	case kindStrings:
		t := strings.TrimSpace(s)
		if !strings.HasPrefix(t, "[") {
			return []any{s}, nil
		}
		var v []any
		if err := json.Unmarshal([]byte(t), &v); err != nil {
			return nil, fmt.Errorf("invalid JSON array: %w", err)
		}
		return v, nil
	case kindJSON:
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		return v, nil
	default:
		return s, nil
	}
}
