package pluto

import (
	"path/filepath"
	"testing"
)

// BenchmarkTranslate measures the pure conn → whack translation over the
// corpus; loading through whack is dominated by the whack processes
// (scripts/bench-auto.sh with IPSEC_WHACK_PROCESS=1), not by this.
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

// BenchmarkEncode measures building and encoding the whack messages of
// the corpus conns the encoder takes: the CPU part of loading through the
// socket (pluto's own handling dominates scripts/bench-auto.sh).
func BenchmarkEncode(b *testing.B) {
	conns := readCorpus(b, filepath.Join("testdata", "corpus.conf"))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, c := range conns {
			msgs, err := AddMessages(c, fixedEnv)
			if err != nil {
				continue
			}
			for _, m := range msgs {
				if _, err := m.Encode(); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
}
