package oe

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// twoZones is a publication spanning example.com and 2.0.192.in-addr.arpa.
func twoZones(t *testing.T, f namedFixture, text string) []Update {
	t.Helper()
	var rrs []dns.RR
	for _, s := range []string{
		`gw.example.com. 300 IN TXT "` + text + `"`,
		`1.2.0.192.in-addr.arpa. 300 IN TXT "` + text + `"`,
	} {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		rrs = append(rrs, rr)
	}
	ups, err := Plan(rrs, f.n.Zones)
	if err != nil || len(ups) != 2 {
		t.Fatalf("Plan = %d updates, %v; want 2", len(ups), err)
	}
	return ups
}

func txtOf(t *testing.T, f namedFixture, name string) string {
	t.Helper()
	return strings.Join(digRecords(t, f.n, name, "TXT"), "\n")
}

// TestSendAtomicAllZones: a two-zone publication lands in both; so does a
// second one replacing it.
func TestSendAtomicAllZones(t *testing.T) {
	f := startNamed(t)
	ctx := context.Background()
	for _, v := range []string{"one", "two"} {
		if err := f.cl.SendAtomic(ctx, twoZones(t, f, v)); err != nil {
			t.Fatalf("SendAtomic(%s) = %v", v, err)
		}
		for _, name := range []string{"gw.example.com", "1.2.0.192.in-addr.arpa"} {
			if got := txtOf(t, f, name); !strings.Contains(got, `"`+v+`"`) || strings.Count(got, "TXT") != 1 {
				t.Errorf("after publishing %q, %s TXT = %q", v, name, got)
			}
		}
	}
}

// TestSendAtomicRollback: another writer changes the second zone between
// the reading and the update; the second zone's prerequisites fail, the
// first zone is put back, and both zones are as they were (the second
// with the other writer's change).
func TestSendAtomicRollback(t *testing.T) {
	f := startNamed(t)
	ctx := context.Background()
	if err := f.cl.SendAtomic(ctx, twoZones(t, f, "before")); err != nil {
		t.Fatal(err)
	}
	other := twoZones(t, f, "other-writer")[1]
	cl := *f.cl
	cl.beforeZone = func(i int) {
		if i == 1 {
			if err := f.cl.Send(ctx, []Update{other}); err != nil {
				t.Errorf("the other writer's update: %v", err)
			}
		}
	}
	err := cl.SendAtomic(ctx, twoZones(t, f, "after"))
	if err == nil {
		t.Fatal("SendAtomic succeeded over a concurrent change")
	}
	want := "publication failed: zone 2.0.192.in-addr.arpa changed since it was read (another writer?): NXRRSET; nothing published: every zone is as it was (rolled back example.com)"
	if err.Error() != want {
		t.Errorf("SendAtomic error:\n%v\nwant:\n%s", err, want)
	}
	if got := txtOf(t, f, "gw.example.com"); !strings.Contains(got, `"before"`) || strings.Contains(got, `"after"`) {
		t.Errorf("example.com not rolled back: %q", got)
	}
	if got := txtOf(t, f, "1.2.0.192.in-addr.arpa"); !strings.Contains(got, `"other-writer"`) {
		t.Errorf("the other writer's change was overwritten: %q", got)
	}
}

// TestSendAtomicNamedStopped: named is killed after the first zone was
// updated; the error says which zone holds the new records, and of the
// second either that it was not updated (the update was refused) or that
// it did not answer and may hold them.
func TestSendAtomicNamedStopped(t *testing.T) {
	f := startNamed(t)
	ctx := context.Background()
	cl := *f.cl
	cl.beforeZone = func(i int) {
		if i == 1 {
			syscall.Kill(f.n.Pid, syscall.SIGKILL)
		}
	}
	err := cl.SendAtomic(ctx, twoZones(t, f, "new"))
	if err == nil {
		t.Fatal("SendAtomic succeeded with named killed half way")
	}
	if !strings.Contains(err.Error(), "; not updated: 2.0.192.in-addr.arpa") && !strings.Contains(err.Error(), "; zone 2.0.192.in-addr.arpa did not answer and may hold them") {
		t.Errorf("error %q does not say where zone 2.0.192.in-addr.arpa stands", err)
	}
	for _, want := range []string{
		"publication failed: ",
		"zones example.com still hold the new records",
		"(rolling back failed: ",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// TestSendAtomicConcurrentPublishers: five publications of different
// values across the same two zones at once. Each either lands in both
// zones or, beaten by another, changes nothing; afterwards both zones
// hold the same single value, and it is one whose publication succeeded.
func TestSendAtomicConcurrentPublishers(t *testing.T) {
	f := startNamed(t)
	ctx := context.Background()
	const n = 5
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f.cl.SendAtomic(ctx, twoZones(t, f, fmt.Sprintf("v%d", i)))
		}()
	}
	wg.Wait()
	won := map[string]bool{}
	for i, err := range errs {
		switch {
		case err == nil:
			won[fmt.Sprintf(`"v%d"`, i)] = true
		case !strings.Contains(err.Error(), "every zone is as it was") && !strings.Contains(err.Error(), "nothing published in any zone"):
			t.Errorf("publisher %d: %v (want success or nothing published)", i, err)
		}
	}
	a := txtOf(t, f, "gw.example.com")
	b := txtOf(t, f, "1.2.0.192.in-addr.arpa")
	last := func(s string) string {
		f := strings.Fields(s)
		if len(f) == 0 {
			return ""
		}
		return f[len(f)-1]
	}
	va, vb := last(a), last(b)
	if strings.Count(a, "TXT") != 1 || strings.Count(b, "TXT") != 1 || va != vb || !won[va] {
		t.Errorf("zones disagree or hold a failed publication: example.com %q, 2.0.192.in-addr.arpa %q; succeeded: %v", a, b, won)
	}
	t.Logf("%d of %d publications succeeded; zones hold %s", len(won), n, va)
}

// TestSendAtomicNamedSlow: named stops answering (SIGSTOP) before the
// second zone and resumes 1.5 s later, after the client's 1 s timeout.
// The unanswered zone is put back with the first, so both zones end as
// they were, as the error says.
func TestSendAtomicNamedSlow(t *testing.T) {
	f := startNamed(t)
	ctx := context.Background()
	if err := f.cl.SendAtomic(ctx, twoZones(t, f, "before")); err != nil {
		t.Fatal(err)
	}
	cl := *f.cl
	cl.Timeout = time.Second
	cl.beforeZone = func(i int) {
		if i == 1 {
			syscall.Kill(f.n.Pid, syscall.SIGSTOP)
			time.AfterFunc(1500*time.Millisecond, func() { syscall.Kill(f.n.Pid, syscall.SIGCONT) })
		}
	}
	t.Cleanup(func() { syscall.Kill(f.n.Pid, syscall.SIGCONT) })
	err := cl.SendAtomic(ctx, twoZones(t, f, "after"))
	if err == nil {
		t.Fatal("SendAtomic succeeded although named did not answer in time")
	}
	t.Logf("SendAtomic: %v", err)
	if !strings.Contains(err.Error(), "nothing published: every zone is as it was") {
		t.Errorf("error %q does not say every zone is as it was", err)
	}
	time.Sleep(500 * time.Millisecond) // let named finish what it had queued
	for _, name := range []string{"gw.example.com", "1.2.0.192.in-addr.arpa"} {
		if got := txtOf(t, f, name); !strings.Contains(got, `"before"`) || strings.Contains(got, `"after"`) {
			t.Errorf("%s TXT = %q, want the value from before", name, got)
		}
	}
}

// TestSendAtomicServfail: named cannot write the second zone's journal
// (a directory stands where the journal file was), so it fails that
// zone's update with SERVFAIL after the first zone was updated. The first
// is put back, both zones are as they were, and the error names the zone
// and the SERVFAIL.
func TestSendAtomicServfail(t *testing.T) {
	f := startNamed(t)
	ctx := context.Background()
	if err := f.cl.SendAtomic(ctx, twoZones(t, f, "before")); err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(f.n.Dir, "2.0.192.in-addr.arpa.db.jnl")
	if _, err := os.Stat(journal); err != nil {
		t.Fatalf("named keeps no journal where expected: %v", err)
	}
	cl := *f.cl
	cl.beforeZone = func(i int) {
		if i == 1 {
			if err := os.Rename(journal, journal+".saved"); err != nil {
				t.Error(err)
			}
			if err := os.Mkdir(journal, 0o755); err != nil {
				t.Error(err)
			}
		}
	}
	err := cl.SendAtomic(ctx, twoZones(t, f, "after"))
	if err == nil {
		t.Fatal("SendAtomic succeeded although named could not write the second zone's journal")
	}
	want := "publication failed: update of zone 2.0.192.in-addr.arpa failed at " + f.n.Addr + ": SERVFAIL; nothing published: every zone is as it was (rolled back example.com)"
	if err.Error() != want {
		t.Errorf("SendAtomic error:\n%v\nwant:\n%s", err, want)
	}
	for _, name := range []string{"gw.example.com", "1.2.0.192.in-addr.arpa"} {
		if got := txtOf(t, f, name); !strings.Contains(got, `"before"`) || strings.Contains(got, `"after"`) || strings.Count(got, "TXT") != 1 {
			t.Errorf("%s TXT = %q, want the value from before", name, got)
		}
	}
}
