package oe

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseAnchors(t *testing.T) {
	for _, tc := range []struct {
		file    string
		ds, key int
		above   string
	}{
		{"ds.anchors", 1, 0, "45.2.1.192.in-addr.arpa."},
		{"root.key", 1, 1, "example.com."},
	} {
		t.Run(tc.file, func(t *testing.T) {
			a, err := LoadAnchors(filepath.Join("testdata", "anchors", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(a.DS) != tc.ds || len(a.Keys) != tc.key {
				t.Errorf("LoadAnchors(%s) = %d DS, %d DNSKEY; want %d, %d", tc.file, len(a.DS), len(a.Keys), tc.ds, tc.key)
			}
			if !a.above(tc.above) {
				t.Errorf("LoadAnchors(%s): no anchor at or above %s", tc.file, tc.above)
			}
		})
	}
	if _, err := ParseAnchors(strings.NewReader("x. IN DS tag 13 2 ab\n"), "bad"); err == nil {
		t.Errorf("ParseAnchors of a broken DS: no error")
	}
}

// FuzzParseAnchors: no panic, and every anchor read is a DS or DNSKEY.
func FuzzParseAnchors(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "anchors", "*"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAnchors(strings.NewReader(s), "fuzz")
		if err != nil {
			return
		}
		for _, d := range a.DS {
			_ = a.above(d.Hdr.Name)
		}
	})
}
