package kernel

import (
	"errors"
	"strings"
	"testing"

	"goswan/tests/testenv"
)

// openNetns makes a throwaway namespace and a Handle on it.
func openNetns(t *testing.T) (string, *Handle) { return openNetnsB(t) }

func openNetnsB(t testing.TB) (string, *Handle) {
	t.Helper()
	ns := testenv.Netns(t, "kern")
	h, err := OpenHandle(testenv.NetnsPath(ns))
	if err != nil {
		t.Fatalf("OpenHandle: %v", err)
	}
	t.Cleanup(h.Close)
	return ns, h
}

func mustPlan(t *testing.T, side Side, kv ...string) *Plan {
	t.Helper()
	m, err := ParseManual(testConn("c", kv...))
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.Plan(side, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func xfrmEmpty(t *testing.T, ns string) {
	t.Helper()
	if out := testenv.IP(t, ns, "xfrm", "policy"); strings.TrimSpace(out) != "" {
		t.Errorf("policies left behind:\n%s", out)
	}
	if out := testenv.IP(t, ns, "xfrm", "state"); strings.TrimSpace(out) != "" {
		t.Errorf("SAs left behind:\n%s", out)
	}
}

func TestApplyRemovePolicies(t *testing.T) {
	ns, h := openNetns(t)
	p := mustPlan(t, Left, with("type=drop", "leftsubnet=10.0.1.0/24", "rightsubnet=10.0.2.0/24")...)
	if err := h.Apply(p); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	out := testenv.IP(t, ns, "xfrm", "policy")
	for _, want := range []string{
		"src 10.0.1.0/24 dst 10.0.2.0/24 \n\tdir out action block priority 1040",
		"src 10.0.2.0/24 dst 10.0.1.0/24 \n\tdir in action block priority 1040",
		"src 10.0.2.0/24 dst 10.0.1.0/24 \n\tdir fwd action block priority 1040",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("ip xfrm policy lacks %q:\n%s", want, out)
		}
	}
	snap, err := h.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Policies) != 3 {
		t.Errorf("Snapshot has %d policies, want 3", len(snap.Policies))
	}
	n, err := h.Remove(p)
	if err != nil || n != 3 {
		t.Fatalf("Remove = %d, %v; want 3 objects", n, err)
	}
	xfrmEmpty(t, ns)
	// Removing again finds nothing and is not an error.
	if n, err := h.Remove(p); err != nil || n != 0 {
		t.Fatalf("second Remove = %d, %v; want 0, nil", n, err)
	}
}

// TestApplyTemplates installs policies with ESP/AH templates (no SAs
// needed for that) and checks the kernel's view.
func TestApplyTemplates(t *testing.T) {
	ns, h := openNetns(t)
	p := mustPlan(t, Right, with("leftsubnet=10.0.1.0/24", "rightsubnet=10.0.2.0/24", "spibase=0x600",
		"esp=aes128-sha1", "espenckey="+testKey(128), "espauthkey="+testKey(160), "ah=sha1", "ahkey="+testKey(160))...)
	p.States = nil // policies only: this kernel may lack ESP
	if err := h.Apply(p); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	out := testenv.IP(t, ns, "xfrm", "policy", "get", "src", "10.0.2.0/24", "dst", "10.0.1.0/24", "dir", "out")
	for _, want := range []string{
		"tmpl src 192.0.2.2 dst 192.0.2.1\n\t\tproto esp reqid 1539 mode tunnel",
		"tmpl src 192.0.2.2 dst 192.0.2.1\n\t\tproto ah reqid 1539 mode transport",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("out policy lacks %q:\n%s", want, out)
		}
	}
	if _, err := h.Remove(p); err != nil {
		t.Fatal(err)
	}
	xfrmEmpty(t, ns)
}

// TestApplyRollbackOnConflict: the in policy already exists (another
// conn's), so Apply fails after the out policy went in; the out policy must
// be taken out again and the foreign policy left alone.
func TestApplyRollbackOnConflict(t *testing.T) {
	ns, h := openNetns(t)
	testenv.IP(t, ns, "xfrm", "policy", "add", "src", "192.0.2.2/32", "dst", "192.0.2.1/32", "dir", "in", "priority", "1024", "action", "block")
	p := mustPlan(t, Left, with("type=passthrough")...)
	err := h.Apply(p)
	if err == nil || !strings.Contains(err.Error(), "adding policy 192.0.2.2/32 -> 192.0.2.1/32 dir in: file exists") {
		t.Fatalf("Apply = %v, want the in policy's EEXIST", err)
	}
	out := testenv.IP(t, ns, "xfrm", "policy")
	if strings.Contains(out, "dir out") {
		t.Errorf("out policy not rolled back:\n%s", out)
	}
	if !strings.Contains(out, "dir in action block") {
		t.Errorf("foreign policy removed by rollback:\n%s", out)
	}
}

// TestApplyESP installs a full ESP conn. On a kernel without ESP (this
// project's CI hosts) it must fail with MissingError naming ESP and roll
// back the policies it had installed; on a kernel with ESP it must install
// and remove the SAs.
func TestApplyESP(t *testing.T) {
	for _, tc := range []struct{ name, esp, enc, auth string }{
		{"cbc-hmac", "aes128-sha2_256", testKey(128), testKey(256)},
		{"gcm", "aes_gcm128", testKey(160), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns, h := openNetns(t)
			kv := with("spi=0x321", "esp="+tc.esp, "espenckey="+tc.enc)
			if tc.auth != "" {
				kv = append(kv, "espauthkey="+tc.auth)
			}
			p := mustPlan(t, Left, kv...)
			err := h.Apply(p)
			var missing *MissingError
			switch {
			case errors.As(err, &missing):
				msg := err.Error()
				if !strings.HasPrefix(msg, "kernel lacks ESP: adding SA 192.0.2.2 esp spi 0x00000321") {
					t.Errorf("error = %q, want it to start with \"kernel lacks ESP\" and name the SA", msg)
				}
				if strings.Contains(strings.ToLower(msg), marker) {
					t.Errorf("error shows key material: %s", msg)
				}
				t.Logf("as expected on this kernel: %v", err)
				xfrmEmpty(t, ns) // rollback removed the policies
			case err != nil:
				t.Fatalf("Apply: %v", err)
			default:
				out := testenv.IP(t, ns, "xfrm", "state")
				if strings.Count(out, "proto esp spi 0x00000321") != 2 {
					t.Errorf("want 2 ESP SAs:\n%s", out)
				}
				if n, err := h.Remove(p); err != nil || n != 4 {
					t.Errorf("Remove = %d, %v; want 4", n, err)
				}
				xfrmEmpty(t, ns)
			}
		})
	}
}

// TestRemoveOnlyOwn removes one conn and leaves a neighbour's policies.
func TestRemoveOnlyOwn(t *testing.T) {
	ns, h := openNetns(t)
	a := mustPlan(t, Left, with("type=passthrough", "leftsubnet=10.0.1.0/24", "rightsubnet=10.0.2.0/24")...)
	b := mustPlan(t, Left, with("type=passthrough", "leftsubnet=10.0.3.0/24", "rightsubnet=10.0.4.0/24")...)
	for _, p := range []*Plan{a, b} {
		if err := h.Apply(p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.Remove(a); err != nil {
		t.Fatal(err)
	}
	out := testenv.IP(t, ns, "xfrm", "policy")
	if strings.Contains(out, "10.0.1.0/24") || strings.Count(out, "10.0.3.0/24") != 3 {
		t.Errorf("after removing a, want only b's 3 policies:\n%s", out)
	}
}

func TestLocalAddrsAndDefaultRoute(t *testing.T) {
	ns, h := openNetns(t)
	testenv.IP(t, ns, "link", "add", "d0", "type", "veth", "peer", "name", "d1")
	testenv.IP(t, ns, "addr", "add", "192.0.2.1/24", "dev", "d0")
	testenv.IP(t, ns, "link", "set", "d0", "up")
	src, _, _, err := h.DefaultRoute(false)
	if err != nil || src.IsValid() {
		t.Fatalf("DefaultRoute without one = %v, %v", src, err)
	}
	testenv.IP(t, ns, "route", "add", "default", "via", "192.0.2.254")
	src, gw, dev, err := h.DefaultRoute(false)
	if err != nil || src.String() != "192.0.2.1" || gw.String() != "192.0.2.254" || dev != "d0" {
		t.Fatalf("DefaultRoute = %v, %v, %q, %v; want 192.0.2.1 via 192.0.2.254 dev d0", src, gw, dev, err)
	}
	addrs, err := h.LocalAddrs()
	if err != nil {
		t.Fatal(err)
	}
	if addrs[src] != "d0" {
		t.Errorf("LocalAddrs = %v, want 192.0.2.1 on d0", addrs)
	}
}
