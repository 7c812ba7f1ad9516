package pluto

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"goswan/conf"
	"goswan/tests/testenv"
)

// TestLoaderLibreswan52Message: a Loader told the release is 5.2 (as
// ipsec setup is, having started pluto) and one that learns it from
// pluto's refusal of the 4.10 probe both load 5.2's messages themselves:
// there is no addconn beside their whack, so a conn that loads went over
// the socket as Messages52 renders it.
func TestLoaderLibreswan52Message(t *testing.T) {
	ls := testenv.MustHaveLibreswanVersion(t, "5.2")
	for _, preset := range []Version{V5_2, {}} {
		t.Run("version "+preset.String(), func(t *testing.T) {
			ns := diffNetNS(t)
			p := testenv.StartPluto(t, &testenv.PlutoOptions{NetNS: ns, Libreswan: &ls})
			cfg, err := conf.Parse("five2.conf", []byte(`conn %default
	left=192.0.2.2
	right=192.0.2.9
	authby=secret
conn "with blank"
	rightsubnet=10.2.0.0/16
conn keyed
	leftid=@west
	rightid=@east
	authby=rsasig
	leftrsasigkey=0sAwEAAdTE1a7fzx+mh1iOUsXN/Wk4+vY870Is8/XFu0YYphuJ4IpBJsFyRPdhw1pLpeKHT6Da5nHo6S8mSF7Mw8ZbcFPJp0Y2n0uIO0TB/0BO4zV0+l19OXyrjS42YwI/Nub93WzBFXOQo+jdqE0hj51tCWN4ljDYb7bv+0DXdSkLRHEzgNqDzMGCdu2xSxJCBlUZ0rwv4Engzvq1IX0YUclk4AS6ZEOUA9QbnL2eS9VBQcvErhGHbxxzzVk/EEJL9VsQ4r8O1MMuRP8WAWlVMjYU1AMtBu7UFWC1XHH6L94Qe25JHcJMr9T32tHny65eR9NW9UUsBYiSealu6LUSsIwIoCE=
	rightsubnets={10.3.0.0/16 10.4.0.0/16}
conn pfsgroup
	rightsubnet=10.5.0.0/16
	esp=aes128-sha1
	pfsgroup=modp2048
conn direct
	rightsubnet=10.6.0.0/16
	leftnexthop=%direct
	rightnexthop=%direct
conn reqid
	rightsubnet=10.7.0.0/16
	reqid=20000
conn pfsgroup-alone
	rightsubnet=10.8.0.0/16
	pfsgroup=modp2048
`), &conf.Options{})
			if err != nil {
				t.Fatal(err)
			}
			bin := t.TempDir()
			if err := os.Symlink(ls.Whack, filepath.Join(bin, "whack")); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			l := &Loader{Whack: &Whack{Path: filepath.Join(bin, "whack"), CtlSocket: p.Ctl}, Env: fixedEnv,
				Out: &out, Err: &errOut, Prog: "ipsec auto", Version: preset}
			if err := l.Add(cfg.Conns); err != nil {
				t.Errorf("Add = %v\n%s%s", err, out.String(), errOut.String())
			}
			status := p.MustWhack(t, "--status")
			for _, n := range []string{"with blank", "keyed/0x1", "keyed/0x2", "pfsgroup", "direct", "reqid", "pfsgroup-alone"} {
				if len(statusLines(status, n)) == 0 {
					t.Errorf("conn %q not loaded\n%s%s", n, out.String(), errOut.String())
				}
			}
			// pfsgroup= reaches pluto as 5.x's whack sends it, in esp=;
			// nexthop=%direct is the peer itself, no nexthop.
			if l := strings.Join(statusLines(status, "pfsgroup"), "\n"); !strings.Contains(l, "ESP algorithms: AES_CBC_128-HMAC_SHA1_96-MODP2048") {
				t.Errorf("pfsgroup=modp2048 not in the ESP proposal:\n%s", l)
			}
			if l := statusLines(status, "direct"); len(l) > 0 && !strings.HasPrefix(l[0], `"direct": 192.0.2.2...192.0.2.9===`) {
				t.Errorf("nexthop=%%direct loaded as %s", l[0])
			}
			// What 5.x cannot take is dropped with a warning, as its
			// addconn drops reqid= above 16383.
			for _, w := range []string{`conn "reqid": not passed to pluto: reqid (Libreswan 5 takes 1-16383)`,
				`conn "pfsgroup-alone": not passed to pluto: pfsgroup (Libreswan 5 needs esp=`} {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("no warning %q:\n%s", w, errOut.String())
				}
			}
			if keys := p.MustWhack(t, "--listpubkeys"); !bytes.Contains([]byte(keys), []byte("@west")) {
				t.Errorf("leftrsasigkey= not filed under @west:\n%s", keys)
			}
		})
	}
}

// TestLoaderLibreswan52KeyNone: FreeS/WAN's rsasigkey=%none is refused by
// 5.2 as by its addconn (pluto: "rightrsasigkey invalid"), for that conn
// alone; it goes as 5.2's message (no addconn beside the whack).
func TestLoaderLibreswan52KeyNone(t *testing.T) {
	ls := testenv.MustHaveLibreswanVersion(t, "5.2")
	ns := diffNetNS(t)
	p := testenv.StartPluto(t, &testenv.PlutoOptions{NetNS: ns, Libreswan: &ls})
	cfg, err := conf.Parse("none.conf", []byte(`conn %default
	left=192.0.2.2
	right=192.0.2.9
	authby=secret
conn before
	rightsubnet=10.1.0.0/16
conn none
	rightsubnet=10.2.0.0/16
	rightrsasigkey=%none
conn after
	rightsubnet=10.3.0.0/16
`), &conf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.Symlink(ls.Whack, filepath.Join(bin, "whack")); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	l := &Loader{Whack: &Whack{Path: filepath.Join(bin, "whack"), CtlSocket: p.Ctl}, Env: fixedEnv,
		Out: &out, Err: &errOut, Prog: "ipsec auto", Version: V5_2}
	if err := l.Add(cfg.Conns); err == nil {
		t.Errorf("Add = nil, want the refusal of conn none")
	}
	if all := out.String() + errOut.String(); !strings.Contains(all, `"none": failed to add connection: rightrsasigkey invalid`) {
		t.Errorf("no refusal of rightrsasigkey=%%none naming the conn:\n%s", all)
	}
	status := p.MustWhack(t, "--status")
	if len(statusLines(status, "none")) != 0 {
		t.Errorf("conn none loaded")
	}
	for _, n := range []string{"before", "after"} {
		if len(statusLines(status, n)) == 0 {
			t.Errorf("conn %q not loaded\n%s%s", n, out.String(), errOut.String())
		}
	}
}
