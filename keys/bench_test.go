package keys

import "testing"

func BenchmarkGenerate3072(b *testing.B) {
	for b.Loop() {
		if _, err := Generate(3072); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBlock(b *testing.B) {
	k := loadKey(b, "west.pem")
	for b.Loop() {
		if _, err := SecretsEntry(k, 2048, "h", "", fixedTime); err != nil {
			b.Fatal(err)
		}
	}
}
