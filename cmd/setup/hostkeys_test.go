package setup_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"goswan/cmd/internal/nssdb"
	"goswan/tests/testenv"
)

// freeswanKey makes a host key the FreeS/WAN way, `: RSA { ... }` in the
// side's ipsec.secrets only (nothing in its NSS database), and returns the
// public key as showhostkey prints it for ipsec.conf.
func freeswanKey(t *testing.T, s *side, name string) string {
	t.Helper()
	bin := testenv.Binary(t)
	os.Remove(s.p.Secrets)
	run := func(argv ...string) string {
		out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
		}
		return string(out)
	}
	run(bin, "newhostkey", "--output", s.p.Secrets, "--bits", "2048", "--hostname", name, "--quiet")
	out := run(bin, "showhostkey", "--file", s.p.Secrets, "--left")
	for _, l := range strings.Split(out, "\n") {
		if k, ok := strings.CutPrefix(strings.TrimSpace(l), "leftrsasigkey="); ok {
			return k
		}
	}
	t.Fatalf("showhostkey printed no leftrsasigkey=:\n%s", out)
	return ""
}

func nssKeys(t *testing.T, s *side) int {
	t.Helper()
	db, err := nssdb.Open(s.p.NSSDir, "")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := db.CKAIDs()
	if err != nil {
		t.Fatal(err)
	}
	return len(ids)
}

// TestFreeSWANHostKeys: two sites whose host keys exist only as `: RSA {`
// entries of ipsec.secrets, with an rsasig conn between them. `ipsec setup
// start` imports each side's key into its pluto's NSS database (and says
// so), the IKE SA authenticates, and a second start imports nothing.
func TestFreeSWANHostKeys(t *testing.T) {
	testenv.MustBeRoot(t)
	testenv.MustHaveCommand(t, "pk12util")
	w, e := testenv.NetNSPair(t)
	east := newSide(t, e, "")
	west := newSide(t, w, "")
	wk, ek := freeswanKey(t, west, "west"), freeswanKey(t, east, "east")
	conn := `conn rsa
	left=` + testenv.WestAddr + `
	leftid=@west
	leftrsasigkey=` + wk + `
	right=` + testenv.EastAddr + `
	rightid=@east
	rightrsasigkey=` + ek + `
	authby=rsasig
	auto=%s
`
	for _, s := range []struct {
		side *side
		auto string
	}{{east, "add"}, {west, "start"}} {
		b, err := os.ReadFile(s.side.cfg)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b) + strings.ReplaceAll(conn, "%s", s.auto)
		if err := os.WriteFile(s.side.cfg, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if n := nssKeys(t, s.side); n != 0 {
			t.Fatalf("NSS database of %s holds %d keys before start, want 0", s.side.p.Dir, n)
		}
	}
	for _, s := range []*side{east, west} {
		out, code := s.setup(t, "start")
		if code != 0 || !strings.Contains(out, "imported RSA host key") {
			t.Fatalf("setup start: exit %d, want 0 and an import line:\n%s", code, out)
		}
		t.Logf("setup start:\n%s", out)
		if n := nssKeys(t, s); n != 1 {
			t.Errorf("NSS database holds %d keys after start, want 1", n)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(west.whack(t, "--showstates"), "STATE_V2_ESTABLISHED_IKE_SA") {
		if time.Now().After(deadline) {
			t.Fatalf("no IKE SA with keys from ipsec.secrets\nwest:\n%s\neast:\n%s", west.p.Log(), east.p.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(west.p.Log(), "authenticated peer") {
		t.Errorf("west's log does not show the peer authenticated:\n%s", west.p.Log())
	}
	// A second start (after a stop) finds the key in place.
	if out, code := east.setup(t, "stop"); code != 0 {
		t.Fatalf("stop: %d\n%s", code, out)
	}
	out, code := east.setup(t, "start")
	if code != 0 || strings.Contains(out, "imported") {
		t.Errorf("second start: exit %d, want 0 and no import:\n%s", code, out)
	}
	if n := nssKeys(t, east); n != 1 {
		t.Errorf("NSS database holds %d keys after the second start, want 1", n)
	}
}
