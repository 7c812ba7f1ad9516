package keys_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"goswan/tests/testenv"
)

// TestTwoPlutosAuthenticateWithOurKeys: two real Libreswan plutos in two
// network namespaces establish an IKEv2 SA with authby=rsasig. Each holds
// a key made by our newhostkey (imported into its NSS database through
// our PKCS#12 export) and knows the peer by the rsasigkey= line our
// showhostkey printed from the peer's secrets file. The Child SA may fail
// on a kernel without ESP; the authenticated IKE SA is what this proves.
func TestTwoPlutosAuthenticateWithOurKeys(t *testing.T) {
	testenv.MustBeRoot(t)
	testenv.MustHaveLibreswan(t)
	pk12util := testenv.MustHaveCommand(t, "pk12util")
	westNS, eastNS := testenv.NetNSPair(t)

	top := t.TempDir()
	sigkey := map[string]string{}
	p12 := map[string]string{}
	pw := filepath.Join(top, "pw")
	writeFile(t, pw, "p12-pass", 0o600)
	for _, n := range []string{"west", "east"} {
		ours := filepath.Join(top, n+".secrets")
		p12[n] = filepath.Join(top, n+".p12")
		ok(t, "newhostkey", "--output", ours, "--bits", "2048", "--hostname", n+".example", "--pkcs12", p12[n], "--password-file", pw, "--quiet")
		side := map[string]string{"west": "--left", "east": "--right"}[n]
		out := ok(t, "showhostkey", "--file", ours, side)
		for _, l := range strings.Split(out, "\n") {
			if _, _, found := strings.Cut(l, "rsasigkey="); found {
				sigkey[n] = strings.TrimSpace(l)
			}
		}
		if sigkey[n] == "" {
			t.Fatalf("showhostkey %s printed no rsasigkey line: %q", side, out)
		}
	}
	conns := filepath.Join(top, "conns.conf")
	writeFile(t, conns, fmt.Sprintf(`conn rsa
	left=%s
	leftid=@west-rsa
	%s
	leftsubnet=198.51.100.0/24
	right=%s
	rightid=@east-rsa
	%s
	rightsubnet=203.0.113.0/24
	authby=rsasig
	ikev2=insist
	auto=add
`, testenv.WestAddr, sigkey["west"], testenv.EastAddr, sigkey["east"]), 0o644)
	cfg := "config setup\n\tdnssec-enable=no\ninclude " + conns + "\n"

	plutos := map[string]*testenv.Pluto{}
	for n, ns := range map[string]*testenv.NetNS{"west": westNS, "east": eastNS} {
		p := testenv.PreparePluto(t, &testenv.PlutoOptions{NetNS: ns, Config: cfg})
		must(t, pk12util, "-i", p12[n], "-d", "sql:"+p.NSSDir, "-w", pw)
		plutos[n] = p
	}
	for _, n := range []string{"west", "east"} {
		plutos[n].Start(t)
		if out, err := plutos[n].Addconn(plutos[n].Config, "rsa"); err != nil {
			t.Fatalf("addconn on %s: %v\n%s", n, err, out)
		}
	}
	west, east := plutos["west"], plutos["east"]
	out, _ := west.Whack("--name", "rsa", "--initiate")
	initiator := "initiator established IKE SA; authenticated peer"
	if !strings.Contains(out, initiator) || !strings.Contains(out, "'@east-rsa'") {
		t.Fatalf("west did not establish the IKE SA:\n%s\nwest log:\n%s\neast log:\n%s", out, west.Log(), east.Log())
	}
	if !east.WaitLog("responder established IKE SA; authenticated peer", 5*time.Second) {
		t.Fatalf("east never logged the authenticated IKE SA:\n%s", east.Log())
	}
	if !strings.Contains(east.Log(), "'@west-rsa'") {
		t.Errorf("east authenticated someone other than @west-rsa:\n%s", east.Log())
	}
	if states := west.MustWhack(t, "--showstates"); !strings.Contains(states, "STATE_V2_ESTABLISHED_IKE_SA") {
		t.Errorf("whack --showstates shows no established IKE SA:\n%s", states)
	}
	t.Logf("west: %s", firstLine(out, initiator))
}

func firstLine(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}
