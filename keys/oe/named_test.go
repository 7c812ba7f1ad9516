package oe

import (
	"context"
	"crypto/rsa"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"goswan/keys"
	"goswan/tests/testenv"
)

// namedFixture is a private named plus a client and resolver for it.
type namedFixture struct {
	n   *testenv.Named
	cl  *Client
	res *Resolver
}

func startNamed(t *testing.T) namedFixture {
	t.Helper()
	n := testenv.StartNamed(t)
	key, err := NewTSIGKey(n.KeyName, n.KeyAlg, n.Secret)
	if err != nil {
		t.Fatal(err)
	}
	return namedFixture{n: n, cl: &Client{Server: n.Addr, Key: key, Timeout: 5 * time.Second},
		res: &Resolver{Servers: []string{n.Addr}, Timeout: 5 * time.Second}}
}

func (f namedFixture) publish(t *testing.T, s Spec) []dns.RR {
	t.Helper()
	rrs, err := s.Records()
	if err != nil {
		t.Fatal(err)
	}
	ups, err := Plan(rrs, f.n.Zones)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.cl.Send(context.Background(), ups); err != nil {
		t.Fatalf("Send = %v", err)
	}
	return rrs
}

// digRecords returns dig's answer lines for name/qtype with the RDATA
// spaces dig inserts into base64 removed, so they compare with our keys.
func digRecords(t *testing.T, n *testenv.Named, name, qtype string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(n.Dig(t, name, qtype)), "\n") {
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}

// TestPublishRolesNamed publishes each OE role's records to a real named,
// twice, and reads them back with dig and with our resolver.
func TestPublishRolesNamed(t *testing.T) {
	f := startNamed(t)
	host := loadPub(t, "host.pub.pem")
	b64 := mustBase64(t, host)
	ctx := context.Background()
	for _, tc := range roleCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			want := f.publish(t, tc.spec)
			f.publish(t, tc.spec) // idempotent: still one set afterwards
			for _, s := range (Update{Records: want}).rrsets() {
				typ := dns.TypeToString[s.rtype]
				got := digRecords(t, f.n, s.owner, typ)
				if len(got) != len(s.rrs) {
					t.Fatalf("dig %s %s after publishing twice: %d records, want %d:\n%s", s.owner, typ, len(got), len(s.rrs), strings.Join(got, "\n"))
				}
				if s.rtype != dns.TypePTR && !tc.spec.TXTNoKey && !strings.Contains(strings.ReplaceAll(strings.ReplaceAll(got[0], " ", ""), `""`, ""), b64) {
					t.Errorf("dig %s %s = %s, want the key %s...", s.owner, typ, got[0], b64[:20])
				}
			}
			for _, r := range (Checker{Resolver: f.res, Pub: host}).Records(ctx, want) {
				if r.Failed() {
					t.Errorf("check after publishing: %s [%s] %s", r.Label, r.Status, r.Detail)
				}
			}
		})
	}
	// A peer's view: forward keys for the @FQDN id, reverse keys for the
	// addresses of the full host and the gateway's clients.
	c := Checker{Resolver: f.res, Pub: host}
	for _, rs := range [][]Result{
		c.Forward(ctx, "@xy.example.com"),
		c.Reverse(ctx, netip.MustParseAddr("192.0.2.4")),
		c.Reverse(ctx, netip.MustParseAddr("198.51.100.3")),
	} {
		for _, r := range rs {
			if r.Failed() {
				t.Errorf("%s [%s] %s", r.Label, r.Status, r.Detail)
			}
		}
	}
	if got := c.Forward(ctx, "@xy.example.com"); len(got) != 3 || got[0].Label != "Looking for KEY in forward map: xy.example.com" {
		t.Errorf("Forward = %+v, want KEY, TXT and IPSECKEY lines", got)
	}
}

func TestCheckWrongKeyNamed(t *testing.T) {
	f := startNamed(t)
	host, other := loadPub(t, "host.pub.pem"), loadPub(t, "other.pub.pem")
	ctx := context.Background()
	f.publish(t, Full(netip.MustParseAddr("192.0.2.6"), other, 300))
	res := Checker{Resolver: f.res, Pub: host}.Reverse(ctx, netip.MustParseAddr("192.0.2.6"))
	if len(res) != 2 {
		t.Fatalf("Reverse = %+v, want KEY and TXT lines", res)
	}
	for _, r := range res {
		if r.Status != Failed || !strings.Contains(r.Detail, "not the local key "+keyID(mustBase64(t, host))) {
			t.Errorf("%s [%s] %s, want FAILED naming the local key id", r.Label, r.Status, r.Detail)
		}
	}
	rrs, _ := Full(netip.MustParseAddr("192.0.2.6"), host, 300).Records()
	for _, r := range (Checker{Resolver: f.res, Pub: host}).Records(ctx, rrs) {
		if r.Status != Failed || !strings.Contains(r.Detail, "DNS holds") {
			t.Errorf("Records: %s [%s] %s, want FAILED", r.Label, r.Status, r.Detail)
		}
	}
	miss := Checker{Resolver: f.res, Pub: host}.Forward(ctx, "nothing.example.com")
	if len(miss) != 1 || miss[0].Status != Missing {
		t.Errorf("Forward(nothing) = %+v, want one MISSING", miss)
	}
}

// TestSendRefusedNamed: a wrong secret, no key, an unknown key and a zone
// the server does not serve are each refused with one clear message, and
// change nothing.
func TestSendRefusedNamed(t *testing.T) {
	f := startNamed(t)
	host := loadPub(t, "host.pub.pem")
	rrs, _ := InitiatorOnly("refused.example.com", host, 300).Records()
	ups, err := Plan(rrs, f.n.Zones)
	if err != nil {
		t.Fatal(err)
	}
	wrong, _ := NewTSIGKey(f.n.KeyName, "hmac-sha256", markerSecret)
	unknown, _ := NewTSIGKey("nobody", "hmac-sha256", markerSecret)
	for _, tc := range []struct {
		name    string
		cl      *Client
		ups     []Update
		wantErr string
	}{
		{"wrong-secret", &Client{Server: f.n.Addr, Key: wrong}, ups, `update of zone example.com rejected by ` + f.n.Addr + `: NOTAUTH (BADSIG): the secret of TSIG key "ipsec-test-key" differs from the server's`},
		{"unknown-key", &Client{Server: f.n.Addr, Key: unknown}, ups, `NOTAUTH (BADKEY): the server has no TSIG key "nobody" with algorithm hmac-sha256`},
		{"unsigned", &Client{Server: f.n.Addr}, ups, `update of zone example.com refused by ` + f.n.Addr + `: REFUSED: the server does not accept unsigned updates; give --tsig-key`},
		{"not-authoritative", f.cl, []Update{{Zone: "example.org.", Records: rrs}}, f.n.Addr + ` is not authoritative for zone example.org (REFUSED); check --server and --zone`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cl.Send(context.Background(), tc.ups)
			if err == nil || err.Error() != tc.wantErr && !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Send = %v, want %q", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), markerSecret) {
				t.Errorf("error leaks the secret")
			}
			if got := digRecords(t, f.n, "refused.example.com", "KEY"); len(got) != 0 {
				t.Errorf("refused update changed the zone: %v", got)
			}
		})
	}
	// A record outside the zone of its message: the server's NOTZONE.
	outside, _ := Full(netip.MustParseAddr("192.0.2.4"), host, 300).Records()
	if err := f.cl.Send(context.Background(), []Update{{Zone: "example.com.", Records: outside}}); err == nil ||
		err.Error() != "update of zone example.com rejected by "+f.n.Addr+": NOTZONE: a record lies outside the zone" {
		t.Errorf("Send outside the zone = %v, want NOTZONE", err)
	}
	// A second zone failing names the zone already updated.
	if err := f.cl.Send(context.Background(), []Update{{Zone: "example.com.", Records: rrs}, {Zone: "100.51.198.in-addr.arpa.", Records: outside}}); err == nil ||
		!strings.Contains(err.Error(), "NOTZONE") || !strings.HasSuffix(err.Error(), "(zones already updated: example.com)") {
		t.Errorf("Send with a failing second zone = %v", err)
	}
	// A server that accepts the connection but never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	silent := &Client{Server: l.Addr().String(), Key: f.cl.Key, Timeout: 300 * time.Millisecond}
	if err := silent.Send(context.Background(), ups); err == nil || err.Error() != "checking zone example.com: no answer from "+l.Addr().String()+" (timeout)" {
		t.Errorf("Send to a silent server = %v, want the timeout line", err)
	}
	// No answer at all: a port nobody listens on.
	dead := &Client{Server: "127.0.0.1:1", Key: f.cl.Key, Timeout: time.Second}
	if err := dead.Send(context.Background(), ups); err == nil || !strings.Contains(err.Error(), "checking zone example.com: no name server at 127.0.0.1:1 (connection refused)") {
		t.Errorf("Send to a closed port = %v", err)
	}
	if z, err := f.cl.FindZone(context.Background(), "a.b.example.com"); err != nil || z != "example.com." {
		t.Errorf("FindZone = %q, %v, want example.com.", z, err)
	}
}

// TestNsupdateDryRunNamed feeds --dry-run's text to BIND's own nsupdate and
// checks the server then holds what our own update gives.
func TestNsupdateDryRunNamed(t *testing.T) {
	f := startNamed(t)
	nsupdate := testenv.MustHaveCommand(t, "nsupdate")
	host := loadPub(t, "host.pub.pem")
	spec := GatewayForSubnet(netip.MustParseAddr("192.0.2.9"), netip.MustParsePrefix("198.51.100.16/30"), host, 300, "example.com")
	rrs, _ := spec.Records()
	ups, err := Plan(rrs, f.n.Zones)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nsupdate, "-k", f.n.KeyFile)
	cmd.Stdin = strings.NewReader(Nsupdate(f.n.Addr, f.cl.Key, ups))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nsupdate < dry-run text: %v\n%s", err, out)
	}
	for _, r := range (Checker{Resolver: f.res, Pub: host}).Records(context.Background(), rrs) {
		if r.Failed() {
			t.Errorf("after nsupdate: %s [%s] %s", r.Label, r.Status, r.Detail)
		}
	}
}

func mustBase64(t *testing.T, pub *rsa.PublicKey) string {
	t.Helper()
	b, err := keys.Base64(pub)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSendAllOrNothingNamed: when one zone of several refuses the key, no
// zone is changed, although each zone has its own message.
func TestSendAllOrNothingNamed(t *testing.T) {
	n := testenv.StartNamedConfig(t, testenv.NamedConfig{Zones: []string{"example.com"}, ReadOnlyZones: []string{"2.0.192.in-addr.arpa"}})
	key, err := NewTSIGKey(n.KeyName, n.KeyAlg, n.Secret)
	if err != nil {
		t.Fatal(err)
	}
	host := loadPub(t, "host.pub.pem")
	fwd, _ := InitiatorOnly("both.example.com", host, 300).Records()
	rev, _ := Full(netip.MustParseAddr("192.0.2.4"), host, 300).Records()
	ups, err := Plan(append(fwd, rev...), n.Zones)
	if err != nil || len(ups) != 2 {
		t.Fatalf("Plan = %d updates, %v", len(ups), err)
	}
	err = (&Client{Server: n.Addr, Key: key}).Send(context.Background(), ups)
	want := "update of zone 2.0.192.in-addr.arpa refused by " + n.Addr + `: REFUSED: the server does not let TSIG key "ipsec-test-key" update this zone (allow-update/update-policy)`
	if err == nil || err.Error() != want {
		t.Errorf("Send = %v, want %q", err, want)
	}
	if got := strings.TrimSpace(n.Dig(t, "both.example.com", "KEY")); got != "" {
		t.Errorf("the allowed zone was changed although another refused: %s", got)
	}
	// With the read-only zone left out, the same update goes through.
	if err := (&Client{Server: n.Addr, Key: key}).Send(context.Background(), ups[:1]); err != nil {
		t.Errorf("Send(forward only) = %v", err)
	}
}

// TestLookupLargeAndAliasedNamed: an answer too big for 4096-byte EDNS0
// UDP is fetched again over TCP, and a CNAME is followed.
func TestLookupLargeAndAliasedNamed(t *testing.T) {
	f := startNamed(t)
	host := loadPub(t, "host.pub.pem")
	var many []dns.RR
	for i := 0; i < 14; i++ {
		rrs, err := Spec{ID: "@big.example.com", Pub: host, TTL: 300, TXT: fmt.Sprintf("192.0.2.%d", i+1), Precedence: 10}.Records()
		if err != nil {
			t.Fatal(err)
		}
		many = append(many, rrs...)
	}
	alias := &dns.CNAME{Hdr: dns.RR_Header{Name: "alias.example.com.", Rrtype: dns.TypeCNAME, Class: dns.ClassINET, Ttl: 300}, Target: "big.example.com."}
	if err := f.cl.Send(context.Background(), []Update{{Zone: "example.com.", Records: append(many, alias)}}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"big.example.com", "alias.example.com"} {
		got, err := f.res.Lookup(context.Background(), name, dns.TypeTXT)
		if err != nil || len(got) != 14 {
			t.Errorf("Lookup(%s TXT) = %d records, %v; want 14 (over TCP after a truncated UDP answer)", name, len(got), err)
		}
	}
}
