// Command blocklistgen turns the password list of the npm package
// @zxcvbn-ts/language-common (MIT) into policy's embedded blocklist.txt.gz.
//
// It runs at development time through `go generate` in the policy package,
// never at build or run time: the output is committed so that builds work
// offline (decision D17). The tarball is pinned by its SHA-256, so a
// regenerated list is byte-for-byte the committed one unless the pin changes.
//
// Output format: gzip (no name, no timestamp) of the sorted, de-duplicated,
// lower-cased entries whose byte length is between minBytes and maxBytes,
// one per line, each line ending in '\n'.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

const (
	// pinnedSHA256 is the SHA-256 of `npm pack @zxcvbn-ts/language-common@4.1.3`.
	npmPackage   = "@zxcvbn-ts/language-common@4.1.3"
	pinnedSHA256 = "bf3027c16c069d7877e25dc8751bc819e10e479afcc5ee1a323eb2ab73129ca9"
	listPath     = "package/src/passwords.json"
	licensePath  = "package/LICENSE.txt"
	// minBytes is the lowest min_password_length Kratos allows: shorter
	// entries are always refused by the length rule first, so they would only
	// cost space.
	minBytes = 6
	// maxBytes is bcrypt's limit, the highest length the policy lets through.
	maxBytes = 72
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "blocklistgen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("blocklistgen", flag.ContinueOnError)
	tgz := fs.String("tgz", "", "path of the npm tarball of "+npmPackage+"; empty means fetch it with npm pack")
	out := fs.String("out", "blocklist.txt.gz", "output path of the compressed list")
	license := fs.String("license", "blocklist_LICENSE.txt", "output path of the list's licence text")
	if err := fs.Parse(args); err != nil {
		return err
	}
	raw, err := readTarball(*tgz)
	if err != nil {
		return err
	}
	if sum := sha256.Sum256(raw); hex.EncodeToString(sum[:]) != pinnedSHA256 {
		return fmt.Errorf("tarball sha256 %x does not match the pinned %s", sum, pinnedSHA256)
	}
	files, err := readTar(raw, listPath, licensePath)
	if err != nil {
		return err
	}
	var words []string
	if err := json.Unmarshal(files[listPath], &words); err != nil {
		return fmt.Errorf("decode %s: %w", listPath, err)
	}
	list := normalise(words)
	gz, err := compress(list)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, gz, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	notice := "The embedded blocklist (blocklist.txt.gz) is derived from src/passwords.json of the npm\n" +
		"package @zxcvbn-ts/language-common 4.1.3 (https://github.com/zxcvbn-ts/zxcvbn), filtered to\n" +
		"entries of 6 to 72 bytes, lower-cased, sorted. Its licence follows.\n\n"
	if err := os.WriteFile(*license, append([]byte(notice), files[licensePath]...), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", *license, err)
	}
	fmt.Printf("blocklistgen: %d entries of %d, %d bytes compressed\n", len(list), len(words), len(gz))
	return nil
}

// readTarball reads the tarball at path, or fetches it with npm's ordinary
// client when path is empty.
func readTarball(path string) ([]byte, error) {
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read tarball: %w", err)
		}
		return raw, nil
	}
	dir, err := os.MkdirTemp("", "blocklistgen")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }() // best effort: a leftover temp dir is harmless
	cmd := exec.Command("npm", "pack", "--silent", "--pack-destination", dir, npmPackage)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("npm pack %s: %w", npmPackage, err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "zxcvbn-ts-language-common-4.1.3.tgz"))
	if err != nil {
		return nil, fmt.Errorf("read tarball: %w", err)
	}
	return raw, nil
}

// readTar returns the contents of the wanted files of a gzipped tarball.
func readTar(raw []byte, wanted ...string) (map[string][]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("open tarball: %w", err)
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read tarball: %w", err)
		}
		if !slices.Contains(wanted, hdr.Name) {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", hdr.Name, err)
		}
		files[hdr.Name] = b
	}
	for _, w := range wanted {
		if _, ok := files[w]; !ok {
			return nil, fmt.Errorf("tarball has no %s", w)
		}
	}
	return files, nil
}

func normalise(words []string) []string {
	var list []string
	for _, w := range words {
		w = strings.ToLower(w)
		if len(w) < minBytes || len(w) > maxBytes || strings.ContainsAny(w, "\r\n") {
			continue
		}
		list = append(list, w)
	}
	slices.Sort(list)
	return slices.Compact(list)
}

func compress(list []string) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	for _, w := range list {
		if _, err := io.WriteString(zw, w+"\n"); err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return buf.Bytes(), nil
}
