package testenv

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestPlutoPairPSK is the harness's own proof: two plutos in two namespaces
// establish an IKEv2 IKE SA with a PSK conn loaded by Libreswan's addconn,
// and both are gone with their namespaces afterwards.
func TestPlutoPairPSK(t *testing.T) {
	west, east := NetNSPair(t)
	conn := `conn psk
	left=` + WestAddr + `
	leftid=@west
	leftsubnet=198.51.100.0/24
	right=` + EastAddr + `
	rightid=@east
	rightsubnet=203.0.113.0/24
	authby=secret
	auto=add
`
	secrets := `@west @east : PSK "0123456789abcdef0123456789abcdef"` + "\n"
	pw := StartPluto(t, &PlutoOptions{NetNS: west, Config: DefaultPlutoConfig + conn, Secrets: secrets})
	pe := StartPluto(t, &PlutoOptions{NetNS: east, Config: DefaultPlutoConfig + conn, Secrets: secrets})
	for _, p := range []*Pluto{pw, pe} {
		if out, err := p.Addconn("", "--autoall"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}
	out := pw.MustWhack(t, "--name", "psk", "--initiate")
	if !strings.Contains(out, "established IKE SA") {
		t.Fatalf("no IKE SA:\n%s\nresponder's log:\n%s", out, pe.Log())
	}
	if !pe.WaitLog("responder established IKE SA", 5*time.Second) {
		t.Fatalf("responder did not establish:\n%s", pe.Log())
	}
	pw.Stop(t)
	if pw.Running() {
		t.Fatal("pluto still answers after Stop")
	}
	if _, err := os.Stat(pw.Ctl); err == nil {
		t.Log("note: pluto left its control socket behind after shutdown")
	}
}
