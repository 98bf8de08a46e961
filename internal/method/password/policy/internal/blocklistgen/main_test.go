package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestNormalise(t *testing.T) {
	t.Parallel()
	in := []string{"Zebra123", "abc", "password", "PASSWORD", strings.Repeat("x", 73), "pass\nword", "123456"}
	want := []string{"123456", "password", "zebra123"}
	if got := normalise(in); !slices.Equal(got, want) {
		t.Fatalf("normalise = %q, want %q", got, want)
	}
}

func TestCompressDeterministicRoundTrip(t *testing.T) {
	t.Parallel()
	list := []string{"123456", "password"}
	a, err := compress(list)
	if err != nil {
		t.Fatal(err)
	}
	b, err := compress(list)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("compress is not deterministic")
	}
	zr, err := gzip.NewReader(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != "123456\npassword\n" {
		t.Fatalf("content = %q", raw)
	}
}

func TestRunRejectsUnpinnedTarball(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := dir + "/x.tgz"
	gz, err := compress([]string{"whatever"})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, gz, 0o600); err != nil {
		t.Fatal(err)
	}
	err = run([]string{"-tgz", path, "-out", dir + "/out.gz", "-license", dir + "/L"})
	if err == nil || !strings.Contains(err.Error(), "does not match the pinned") {
		t.Fatalf("run = %v, want a pin mismatch", err)
	}
}
