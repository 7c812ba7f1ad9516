package kernel

import (
	"fmt"
	"testing"
	"time"
)

// benchPlans makes n distinct tunnel conns (ESP templates; SAs left out so
// the benchmark runs on kernels without ESP): policies out, in and fwd.
func benchPlans(b *testing.B, n int) []*Plan {
	b.Helper()
	plans := make([]*Plan, n)
	for i := range plans {
		m, err := ParseManual(testConn(fmt.Sprint("c", i), with(
			fmt.Sprintf("leftsubnet=10.%d.%d.0/24", 1+i/256, i%256),
			fmt.Sprintf("rightsubnet=10.%d.%d.0/24", 100+i/256, i%256),
			fmt.Sprintf("spibase=0x%x0", 0x100+i),
			"esp=aes_gcm128", "espenckey="+testKey(160))...))
		if err != nil {
			b.Fatal(err)
		}
		p, err := m.Plan(Left, Options{})
		if err != nil {
			b.Fatal(err)
		}
		p.States = nil
		plans[i] = p
	}
	return plans
}

// BenchmarkApplyRemove1k installs 1,000 conns' policies in a throwaway
// namespace and removes them again; the metric is per conn.
func BenchmarkApplyRemove1k(b *testing.B) {
	_, h := openNetnsB(b)
	plans := benchPlans(b, 1000)
	var apply, remove time.Duration
	for b.Loop() {
		t0 := time.Now()
		for _, p := range plans {
			if err := h.Apply(p); err != nil {
				b.Fatal(err)
			}
		}
		t1 := time.Now()
		for _, p := range plans {
			if _, err := h.Remove(p); err != nil {
				b.Fatal(err)
			}
		}
		apply += t1.Sub(t0)
		remove += time.Since(t1)
	}
	conns := float64(b.N * len(plans))
	b.ReportMetric(float64(apply.Nanoseconds())/conns, "ns-apply/conn")
	b.ReportMetric(float64(remove.Nanoseconds())/conns, "ns-remove/conn")
}
