package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// Values are bound as plain strings so that one query text works on both
// engines: SQLite stores them as TEXT, and pgx sends a Go string in text
// format, which PostgreSQL parses into the column's type (UUID, JSONB,
// TIMESTAMPTZ). A driver.Valuer would not do: pgx would pick the binary format
// for those columns and then fail to encode the string.

// timeLayout is fixed-width (always six fractional digits, always UTC "Z"),
// so on SQLite the lexical order of the TEXT column is the time order.
// Microseconds are what PostgreSQL keeps, so both engines round-trip the same.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// ts formats a time for a query parameter.
func ts(t time.Time) string { return t.UTC().Format(timeLayout) }

// nullTS formats an optional time; nil binds SQL NULL.
func nullTS(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return ts(*t)
}

// truncate makes a time what the database will give back.
func truncate(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// timeCol scans a time from either engine: PostgreSQL returns time.Time,
// SQLite the TEXT written by ts. Valid is false for SQL NULL.
type timeCol struct {
	Time  time.Time
	Valid bool
}

func (c *timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c = timeCol{}
		return nil
	case time.Time:
		*c = timeCol{Time: v.UTC(), Valid: true}
		return nil
	case string:
		return c.parse(v)
	case []byte:
		return c.parse(string(v))
	}
	return fmt.Errorf("store: cannot scan %T into a time", src)
}

func (c *timeCol) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("store: bad stored time %q: %w", s, err)
	}
	*c = timeCol{Time: t.UTC(), Valid: true}
	return nil
}

// ptr is the time as an optional value.
func (c timeCol) ptr() *time.Time {
	if !c.Valid {
		return nil
	}
	t := c.Time
	return &t
}

// jsonArg binds a JSON document as text. nil (absent) binds SQL NULL; a JSON
// `null` is kept as the JSON value null, so what the caller gave comes back.
func jsonArg(raw json.RawMessage) any {
	if raw == nil {
		return nil
	}
	return string(raw)
}

// jsonOr binds a JSON document for a NOT NULL column, using def when absent.
func jsonOr(raw json.RawMessage, def string) string {
	if len(raw) == 0 {
		return def
	}
	return string(raw)
}

// jsonCol scans a JSON column from either engine into a fresh RawMessage
// (nil for SQL NULL). Drivers may reuse their buffers, hence the copy.
type jsonCol struct{ Raw json.RawMessage }

func (c *jsonCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		c.Raw = nil
	case string:
		c.Raw = json.RawMessage(v)
	case []byte:
		c.Raw = append(json.RawMessage(nil), v...)
	default:
		return fmt.Errorf("store: cannot scan %T into JSON", src)
	}
	return nil
}
