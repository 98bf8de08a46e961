package config

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/knadh/koanf/v2"
)

// reader reads typed values from the merged configuration, falling back to
// the key table's defaults, and collects every problem so that one run
// reports all bad keys at once. Each problem names its key (D2).
type reader struct {
	k    *koanf.Koanf
	keys *keyTable
	errs []error
	read map[string]bool // paths asked for; lets a test prove every used key is decoded
}

func (r *reader) failf(path, format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf("config: %s: %s", path, fmt.Sprintf(format, args...)))
}

// isSet reports whether the configuration (files, env, built-in no-file
// layer) gives path a non-null value. Defaults do not count.
func (r *reader) isSet(path string) bool {
	r.read[path] = true
	return r.k.Get(path) != nil
}

// raw returns the configured value, else the default, else nil.
func (r *reader) raw(path string) any {
	s, ok := r.keys.specs[path]
	if !ok {
		// A decoder asked for a key missing from the table: a bug in this
		// package, reported like a bad value so tests catch it.
		r.failf(path, "not in the known key table")
		return nil
	}
	r.read[path] = true
	if v := r.k.Get(path); v != nil {
		return v
	}
	return s.def
}

func (r *reader) str(path string) string {
	switch v := r.raw(path).(type) {
	case nil:
		return ""
	case string:
		return v
	case bool, int, int64, uint64, float64:
		// A YAML scalar such as `from_name: 2024` is still meant as text.
		return fmt.Sprint(v)
	default:
		r.failf(path, "expected a string, got %s", describe(v))
		return ""
	}
}

func (r *reader) boolean(path string) bool {
	switch v := r.raw(path).(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			r.failf(path, "invalid boolean %q", v)
		}
		return b
	default:
		r.failf(path, "expected a boolean, got %s", describe(v))
		return false
	}
}

func (r *reader) integer(path string) int {
	v := r.raw(path)
	if v == nil {
		return 0
	}
	n, err := toInt(v)
	if err != nil {
		r.failf(path, "%v", err)
	}
	return n
}

// toInt accepts YAML ints, JSON numbers (float64) that are whole, and
// decimal strings (environment values).
func toInt(v any) (int, error) {
	switch v := v.(type) {
	case int:
		return v, nil
	case int64:
		return int(v), nil
	case uint64:
		if v > math.MaxInt {
			return 0, fmt.Errorf("integer %d out of range", v)
		}
		return int(v), nil
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
			return 0, fmt.Errorf("invalid integer %v", v)
		}
		return int(v), nil
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return 0, fmt.Errorf("invalid integer %q", v)
		}
		return n, nil
	default:
		return 0, fmt.Errorf("expected an integer, got %s", describe(v))
	}
}

// durationSyntax is Kratos's schema pattern for durations (foundation §11.1).
// It is stricter than time.ParseDuration: no sign, no fractions, no "µs".
var durationSyntax = regexp.MustCompile(`^([0-9]+(ns|us|ms|s|m|h))+$`)

func (r *reader) duration(path string) time.Duration {
	v := r.raw(path)
	if v == nil {
		return 0
	}
	s, ok := v.(string)
	if !ok {
		r.failf(path, "invalid duration %v (want e.g. \"1h\" or \"15m\")", v)
		return 0
	}
	if !durationSyntax.MatchString(s) {
		r.failf(path, "invalid duration %q", s)
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		r.failf(path, "invalid duration %q: %v", s, err)
	}
	return d
}

// absURL reads an absolute URL: it must have a scheme and a host.
func (r *reader) absURL(path string) *url.URL {
	s := r.str(path)
	if s == "" {
		return nil
	}
	u, err := parseAbsURL(s)
	if err != nil {
		r.failf(path, "%v", err)
	}
	return u
}

func parseAbsURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("invalid URL %q: %w", s, unwrapURLError(err))
	}
	if u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("invalid URL %q: must be absolute with scheme and host", s)
	}
	return u, nil
}

// uriRef reads a URL that may also be an absolute path. Kratos parses ui_url
// with url.ParseRequestURI and leaves a relative one relative, so the browser
// resolves it against the host it is on; we do the same.
func (r *reader) uriRef(path string) *url.URL {
	s := r.str(path)
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil {
		r.failf(path, "invalid URL %q: %v", s, unwrapURLError(err))
		return nil
	}
	absolute := u.Scheme != "" && u.Host != ""
	relative := u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/")
	if !absolute && !relative {
		r.failf(path, "invalid URL %q: must be absolute or start with \"/\"", s)
		return nil
	}
	return u
}

func (r *reader) strs(path string) []string {
	switch v := r.raw(path).(type) {
	case nil:
		return nil
	case string:
		// A single string where a list is expected: the one-element list.
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				r.failf(path, "item %d: expected a string, got %s", i, describe(e))
				continue
			}
			out = append(out, s)
		}
		return out
	default:
		r.failf(path, "expected a list of strings, got %s", describe(v))
		return nil
	}
}

func (r *reader) byteSize(path string) uint64 {
	v := r.raw(path)
	if v == nil {
		return 0
	}
	n, err := parseByteSize(v)
	if err != nil {
		r.failf(path, "%v", err)
	}
	return n
}

// value returns a JSON-kind value as decoded (maps, slices, scalars).
func (r *reader) value(path string) any { return r.raw(path) }

// describe names a value's type in messages.
func describe(v any) string {
	switch v := v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return fmt.Sprintf("string %q", v)
	default:
		return fmt.Sprintf("%T %v", v, v)
	}
}

// unwrapURLError drops url.Error's repetition of the input.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// joinErrs is errors.Join that returns nil for none.
func joinErrs(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errors.Join(errs...)
}
