package kernel

import (
	"testing"
)

// BenchmarkPlan is the pure part: parse a manual conn and plan it.
func BenchmarkPlan(b *testing.B) {
	c := testConn("c", with("leftsubnet=10.0.1.0/24", "rightsubnet=10.0.2.0/24", "spibase=0x200",
		"esp=aes128-sha2_256", "espenckey="+testKey(128), "espauthkey="+testKey(256))...)
	b.ReportAllocs()
	for b.Loop() {
		m, err := ParseManual(c)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.Plan(Left, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
