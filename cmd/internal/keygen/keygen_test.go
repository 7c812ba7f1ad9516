package keygen

import (
	"bytes"
	"strings"
	"testing"
)

// TestGenerate runs the racing searches (one goroutine per CPU) and checks
// the key and the narration; make test runs it under the race detector.
func TestGenerate(t *testing.T) {
	var errw bytes.Buffer
	k, err := Generate(2048, &errw, true)
	if err != nil {
		t.Fatalf("Generate(2048) = %v", err)
	}
	if k.N.BitLen() != 2048 || k.E != 65537 {
		t.Errorf("Generate(2048) = %d bits, e=%d; want 2048, 65537", k.N.BitLen(), k.E)
	}
	if err := k.Validate(); err != nil {
		t.Errorf("key does not validate: %v", err)
	}
	for _, want := range []string{"generating a 2048-bit RSA key", "CKAID "} {
		if !strings.Contains(errw.String(), want) {
			t.Errorf("narration %q lacks %q", errw.String(), want)
		}
	}
	if strings.Contains(errw.String(), "\r") {
		t.Errorf("progress line drawn on a non-terminal: %q", errw.String())
	}
}

func TestGenerateBadSize(t *testing.T) {
	if _, err := Generate(1000, &bytes.Buffer{}, false); err == nil {
		t.Error("Generate(1000) = nil error, want a size error")
	}
}
