package pluto

import (
	"path/filepath"
	"testing"
)

// BenchmarkTranslate measures the pure conn → whack translation over the
// corpus; bulk loading time is dominated by whack processes
// (scripts/bench-auto.sh), not by this.
func BenchmarkTranslate(b *testing.B) {
	conns := readCorpus(b, filepath.Join("testdata", "corpus.conf"))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, c := range conns {
			if _, err := Translate(c, fixedEnv); err != nil && c.Err == nil {
				_ = err
			}
		}
	}
}
