package totp

import (
	"bytes"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"time"

	"github.com/pquerna/otp"
	stdtotp "github.com/pquerna/otp/totp"

	"github.com/warden-id/warden/internal/identity"
)

// Kratos's TOTP parameters (settings-flow §5.3): 160-bit secrets (RFC 4226
// recommends 160), SHA1, 6 digits, 30 s, one step of skew either way.
const (
	secretSize = 160 / 8
	period     = 30
	skew       = 1
	qrSize     = 256
)

var codeOpts = stdtotp.ValidateOpts{Period: period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Config is the stored config of a totp credential (Kratos's).
type Config struct {
	TOTPURL string `json:"totp_url"`
}

// newKey makes a fresh key for a device to be linked.
func newKey(issuer, account string) (*otp.Key, error) {
	k, err := stdtotp.Generate(stdtotp.GenerateOpts{Issuer: issuer, AccountName: account,
		Period: period, SecretSize: secretSize, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, fmt.Errorf("totp: generate key: %w", err)
	}
	return k, nil
}

// errNoKey says a credential has no usable key.
var errNoKey = errors.New("totp: the credential has no usable key")

// parseKey reads the key of a stored otpauth URL. A URL without a secret,
// or whose secret is not base32, is no key: every code would be checked
// against an empty HMAC key otherwise.
func parseKey(rawURL string) (*otp.Key, error) {
	if rawURL == "" {
		return nil, errNoKey
	}
	k, err := otp.NewKeyFromURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNoKey, err)
	}
	if k.Secret() == "" {
		return nil, errNoKey
	}
	if _, err := stdtotp.GenerateCodeCustom(k.Secret(), time.Unix(0, 0), codeOpts); err != nil {
		return nil, fmt.Errorf("%w: %v", errNoKey, err)
	}
	return k, nil
}

// credentialKey is the key of i's totp credential; errNoKey when it has
// none that counts (identity.AvailableAAL's rule plus a usable secret).
func credentialKey(i *identity.Identity) (identity.Credentials, *otp.Key, error) {
	c, ok := i.Credentials[identity.CredentialsTOTP]
	if !ok || len(c.Identifiers) == 0 || c.Identifiers[0] == "" || len(c.Config) == 0 {
		return c, nil, errNoKey
	}
	var cfg Config
	if err := json.Unmarshal(c.Config, &cfg); err != nil {
		return c, nil, fmt.Errorf("%w: %v", errNoKey, err)
	}
	k, err := parseKey(cfg.TOTPURL)
	return c, k, err
}

// stepOf is the RFC 6238 time step of t.
func stepOf(t time.Time) int64 { return t.Unix() / period }

// matchStep checks code against the steps around now (±skew) and returns
// the step it belongs to. Every candidate is computed and compared in
// constant time, so the answer's timing does not tell which step (if any)
// matched. A code that is not exactly six ASCII digits never matches.
func matchStep(secret, code string, now time.Time) (int64, bool) {
	if len(code) != otp.DigitsSix.Length() {
		return 0, false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	cur := stepOf(now)
	var (
		found int64
		ok    bool
	)
	for s := cur - skew; s <= cur+skew; s++ {
		want, err := stdtotp.GenerateCodeCustom(secret, time.Unix(s*period, 0), codeOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && !ok {
			found, ok = s, true
		}
	}
	return found, ok
}

// qrDataURL is the key's otpauth URL as a 256×256 PNG data URL, as Kratos
// renders the totp_qr node. The QR image is copied into a two-colour
// paletted image and encoded at BestSpeed: the PNG is then 1 bit per pixel
// and costs a fraction of encoding the library's 16-bit grey image
// (BenchmarkQR), with the same pixels.
func qrDataURL(k *otp.Key) (string, error) {
	img, err := k.Image(qrSize, qrSize)
	if err != nil {
		return "", fmt.Errorf("totp: QR code: %w", err)
	}
	b := img.Bounds()
	pal := image.NewPaletted(b, color.Palette{color.White, color.Black})
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := pal.Pix[(y-b.Min.Y)*pal.Stride:]
		for x := b.Min.X; x < b.Max.X; x++ {
			if g := color.GrayModel.Convert(img.At(x, y)).(color.Gray); g.Y < 0x80 {
				row[x-b.Min.X] = 1
			}
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, pal); err != nil {
		return "", fmt.Errorf("totp: QR code: %w", err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// newKeyWithSecret is the key for a known base32 secret (one a flow
// showed), with Kratos's parameters.
func newKeyWithSecret(issuer, account, secret string) (*otp.Key, error) {
	raw, err := base32NoPad.DecodeString(secret)
	if err != nil {
		return nil, fmt.Errorf("totp: secret: %w", err)
	}
	k, err := stdtotp.Generate(stdtotp.GenerateOpts{Issuer: issuer, AccountName: account,
		Period: period, Secret: raw, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, fmt.Errorf("totp: key: %w", err)
	}
	return k, nil
}

// base32NoPad is how otpauth URLs carry secrets.
var base32NoPad = base32.StdEncoding.WithPadding(base32.NoPadding)
