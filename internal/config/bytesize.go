package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// byteUnits are the suffixes Kratos's byte sizes use ("128MB", "1GB"). As in
// Kratos, the decimal-looking units are binary: 1MB = 1024×1024 bytes, which
// is why the default argon2 memory "128MB" is m=131072 KiB (foundation §9.1).
// The explicit binary spellings (KiB, MiB, …) mean the same.
var byteUnits = []struct {
	suffix string
	shift  uint
}{
	{"kib", 10}, {"mib", 20}, {"gib", 30}, {"tib", 40}, {"pib", 50},
	{"kb", 10}, {"mb", 20}, {"gb", 30}, {"tb", 40}, {"pb", 50},
	{"k", 10}, {"m", 20}, {"g", 30}, {"t", 40}, {"p", 50},
	{"b", 0},
}

// parseByteSize reads an integer number of bytes or a size with a unit.
func parseByteSize(v any) (uint64, error) {
	switch v := v.(type) {
	case int, int64, uint64, float64:
		n, err := toInt(v)
		if err != nil {
			return 0, err
		}
		if n < 0 {
			return 0, fmt.Errorf("invalid byte size %d", n)
		}
		return uint64(n), nil
	case string:
		s := strings.ToLower(strings.TrimSpace(v))
		shift := uint(0)
		for _, u := range byteUnits {
			if strings.HasSuffix(s, u.suffix) {
				s, shift = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.shift
				break
			}
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n > math.MaxUint64>>shift {
			return 0, fmt.Errorf("invalid byte size %q", v)
		}
		return n << shift, nil
	default:
		return 0, fmt.Errorf("invalid byte size: expected e.g. \"128MB\", got %s", describe(v))
	}
}
