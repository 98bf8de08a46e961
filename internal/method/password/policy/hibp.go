package policy

import (
	"bufio"
	"context"
	"crypto/sha1" // #nosec G505 -- SHA-1 is what the HIBP range API is keyed by (k-anonymity), not a password hash.
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	hibpAttempts = 3 // first try plus retries, spec §9.2 "with retries"
	// hibpAttemptTimeout bounds one request even with a caller's HTTPClient
	// that has no timeout.
	hibpAttemptTimeout = 5 * time.Second
	// hibpMaxBody caps what we read: a real range answer is 30–70 KB.
	hibpMaxBody     = 2 << 20
	hibpCacheTTL    = time.Hour // spec §9.2
	hibpMaxPrefixes = 256
	// suffixLen is the hex length of a SHA-1 minus the 5-character prefix.
	suffixLen = 35
)

// networkError is a failure to get an answer from the range API: a transport
// error or a status other than 200. Only these honour ignore_network_errors;
// an answer we cannot parse is an internal error (Kratos answers 500).
type networkError struct {
	msg       string
	retryable bool
}

func (e *networkError) Error() string { return e.msg }

// checkHIBP looks the password up with the k-anonymity range API: only the
// first 5 hex digits of its SHA-1 leave the process.
func (v *Validator) checkHIBP(ctx context.Context, password string) error {
	sum := sha1.Sum([]byte(password)) // #nosec G401 -- see import
	digest := strings.ToUpper(hex.EncodeToString(sum[:]))
	prefix, suffix := digest[:5], digest[5:]

	breached, ok := v.cache.get(prefix, v.opts.Now())
	if !ok {
		var err error
		breached, err = v.fetchRange(ctx, prefix)
		var ne *networkError
		switch {
		case errors.As(err, &ne) && v.opts.IgnoreNetworkErrors:
			return nil
		case errors.As(err, &ne):
			return &Violation{Reason: reasonNetwork + ": " + ne.msg}
		case err != nil:
			return err
		}
		v.cache.put(prefix, breached, v.opts.Now())
	}
	if breached.has(suffix) {
		return &Violation{Reason: reasonBreached}
	}
	return nil
}

// fetchRange gets and parses GET https://<host>/range/<prefix>, retrying
// transport errors, 429 and 5xx with a doubling wait.
func (v *Validator) fetchRange(ctx context.Context, prefix string) (suffixSet, error) {
	loc := "https://" + v.opts.HIBPHost + "/range/" + prefix
	wait := v.retryWait
	for attempt := 1; ; attempt++ {
		set, err := v.fetchOnce(ctx, loc)
		var ne *networkError
		if err == nil || !errors.As(err, &ne) || !ne.retryable || attempt == hibpAttempts {
			return set, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return suffixSet{}, fmt.Errorf("policy: haveibeenpwned: %w", ctx.Err())
		case <-t.C:
		}
		wait *= 2
	}
}

func (v *Validator) fetchOnce(ctx context.Context, loc string) (suffixSet, error) {
	if err := ctx.Err(); err != nil {
		return suffixSet{}, fmt.Errorf("policy: haveibeenpwned: %w", err)
	}
	actx, cancel := context.WithTimeout(ctx, hibpAttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, loc, nil)
	if err != nil {
		return suffixSet{}, fmt.Errorf("policy: haveibeenpwned: build request: %w", err)
	}
	req.Header.Set("User-Agent", "warden")
	// Padding hides from an observer how many suffixes the prefix has. Padded
	// rows have count 0 and so never exceed max_breaches.
	req.Header.Set("Add-Padding", "true")
	res, err := v.opts.HTTPClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			// The caller gave up (client disconnected): not the API's fault.
			return suffixSet{}, fmt.Errorf("policy: haveibeenpwned: %w", ctx.Err())
		}
		return suffixSet{}, &networkError{msg: transportMessage(err), retryable: true}
	}
	defer func() { _ = res.Body.Close() }() // read-only body: a close error changes nothing
	if res.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4<<10)) // lets the connection be reused; errors don't matter
		return suffixSet{}, &networkError{
			msg:       fmt.Sprintf("unexpected status code %d", res.StatusCode),
			retryable: res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500,
		}
	}
	return parseRange(res.Body, v.opts.MaxBreaches)
}

// transportMessage drops the request URL from a client error: the URL holds
// 20 bits of the password's SHA-1, and the message ends up in the UI.
func transportMessage(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// parseRange reads "SUFFIX:COUNT" lines and keeps the suffixes seen more than
// maxBreaches times. As in Kratos v0.10.1, a line without a count counts once
// (the API has sent such lines, ory/kratos#2145) and a count that is not an
// integer makes the whole answer unusable. Lines whose suffix is not 35 hex
// digits cannot match any SHA-1 and are skipped.
func parseRange(body io.Reader, maxBreaches int) (suffixSet, error) {
	lr := &io.LimitedReader{R: body, N: hibpMaxBody + 1}
	sc := bufio.NewScanner(lr)
	var kept []string
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		suffix, countText, hasCount := strings.Cut(line, ":")
		count := int64(1)
		if hasCount {
			var err error
			count, err = strconv.ParseInt(strings.TrimSpace(countText), 10, 64)
			if err != nil {
				return suffixSet{}, fmt.Errorf("policy: haveibeenpwned: malformed count %q in range response", countText)
			}
		}
		suffix = strings.ToUpper(strings.TrimSpace(suffix))
		if count > int64(maxBreaches) && isHexSuffix(suffix) {
			kept = append(kept, suffix)
		}
	}
	if lr.N <= 0 {
		return suffixSet{}, fmt.Errorf("policy: haveibeenpwned: range response larger than %d bytes", hibpMaxBody)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return suffixSet{}, fmt.Errorf("policy: haveibeenpwned: malformed range response: %w", err)
		}
		return suffixSet{}, &networkError{msg: err.Error(), retryable: true}
	}
	slices.Sort(kept)
	return suffixSet{packed: strings.Join(slices.Compact(kept), "")}, nil
}

func isHexSuffix(s string) bool {
	if len(s) != suffixLen {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

// suffixSet is the sorted, concatenated 35-character suffixes of one prefix
// that exceed max_breaches: one string per cached prefix instead of a map of
// a thousand small strings.
type suffixSet struct{ packed string }

func (s suffixSet) has(suffix string) bool {
	n := len(s.packed) / suffixLen
	at := func(i int) string { return s.packed[i*suffixLen : (i+1)*suffixLen] }
	i := sort.Search(n, func(i int) bool { return at(i) >= suffix })
	return i < n && at(i) == suffix
}
