package ranbits

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"
)

// counter is a deterministic byte source: 0, 1, 2, ...
type counter struct{ n byte }

func (c *counter) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = c.n
		c.n++
	}
	return len(p), nil
}

func TestWriteFormat(t *testing.T) {
	tests := []struct {
		n       int64
		grouped bool
		want    string
	}{
		{1, true, "0x00\n"},
		{5, true, "0x00010203_04\n"},
		{4, true, "0x00010203\n"},
		{8, false, "0x0001020304050607\n"},
	}
	for _, tc := range tests {
		var b bytes.Buffer
		if err := Write(&b, &counter{}, tc.n, tc.grouped); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("Write(%d, grouped=%v) = %q, want %q", tc.n, tc.grouped, b.String(), tc.want)
		}
	}
}

// TestWriteAcrossChunks checks the grouping stays regular where chunks
// meet, for a request far over FreeS/WAN's 20000-bit cap.
func TestWriteAcrossChunks(t *testing.T) {
	n := int64(3*chunk + 6)
	var b bytes.Buffer
	if err := Write(&b, &counter{}, n, true); err != nil {
		t.Fatal(err)
	}
	s := strings.TrimSuffix(strings.TrimPrefix(b.String(), "0x"), "\n")
	groups := strings.Split(s, "_")
	for i, g := range groups[:len(groups)-1] {
		if len(g) != 8 {
			t.Fatalf("group %d has %d digits", i, len(g))
		}
	}
	if last := groups[len(groups)-1]; len(last) != 4 {
		t.Errorf("last group %q, want 2 bytes", last)
	}
	if !regexp.MustCompile(`^[0-9a-f_]+$`).MatchString(s) {
		t.Errorf("non-hex output")
	}
	var c bytes.Buffer
	Write(&c, &counter{}, n, false)
	if strings.ReplaceAll(b.String(), "_", "") != c.String() {
		t.Errorf("--continuous output is not the grouped output without separators")
	}
}

func TestWriteShortRead(t *testing.T) {
	err := Write(io.Discard, strings.NewReader("ab"), 4, true)
	if err == nil {
		t.Errorf("Write with a short source = nil error")
	}
}

func BenchmarkWrite10MB(b *testing.B) {
	b.SetBytes(10 << 20)
	for b.Loop() {
		if err := Write(io.Discard, &counter{}, 10<<20, true); err != nil {
			b.Fatal(err)
		}
	}
}
