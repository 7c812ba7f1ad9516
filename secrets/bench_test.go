package secrets

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// BenchmarkParse10k reads a file of 10000 PSK entries and one RSA key, a
// large gateway's secrets.
func BenchmarkParse10k(b *testing.B) {
	var sb strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&sb, "10.%d.%d.1 %%any : PSK \"secret-number-%06d\"\n", i/256, i%256, i)
	}
	rsa, err := os.ReadFile("testdata/rsa-block.secrets")
	if err != nil {
		b.Fatal(err)
	}
	sb.Write(rsa)
	src := []byte(sb.String())
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := ParseSource(nil, "big.secrets", src); err != nil {
			b.Fatal(err)
		}
	}
}
