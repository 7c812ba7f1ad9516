package oe

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

var update = flag.Bool("update", false, "rewrite golden files")

// loadPub reads a fixed public key from testdata (never a fresh key: the
// goldens depend on it).
func loadPub(t testing.TB, name string) *rsa.PublicKey {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM block", name)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PublicKey)
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func roleCases(t testing.TB) []struct {
	name string
	spec Spec
} {
	host := loadPub(t, "host.pub.pem")
	gw := netip.MustParseAddr("192.0.2.1")
	return []struct {
		name string
		spec Spec
	}{
		{"initiator", InitiatorOnly("xy.example.com", host, 300)},
		{"full", Full(netip.MustParseAddr("192.0.2.4"), host, 300)},
		{"gateway", GatewayForSubnet(gw, netip.MustParsePrefix("198.51.100.0/29"), host, 300, "example.com")},
		{"gateway-noptr", GatewayForSubnet(gw, netip.MustParsePrefix("198.51.100.0/30"), host, 300, "")},
		{"gateway-txt-nokey", Spec{ID: "192.0.2.1", Pub: host, TTL: 300, KEY: true, TXT: "192.0.2.1", TXTNoKey: true,
			Precedence: 10, Subnet: netip.MustParsePrefix("198.51.100.0/30")}},
		{"txt-fqdn-gateway", Spec{ID: "@xy.example.com", Pub: host, TTL: 300, TXT: "@xy.example.com", Precedence: 10}},
		{"ipseckey-forward", Spec{ID: "@xy.example.com", Pub: host, TTL: 300, IPSECKEY: true, Precedence: 10}},
		{"ipseckey-reverse", Spec{ID: "192.0.2.4", Pub: host, TTL: 600, IPSECKEY: true, Gateway: "192.0.2.4", Precedence: 10}},
		{"ipseckey-ipv6", Spec{ID: "2001:db8::1", Pub: host, TTL: 300, IPSECKEY: true, Gateway: "2001:db8::1", Precedence: 5}},
		{"ipseckey-host-gateway", Spec{ID: "@xy.example.com", Pub: host, TTL: 300, IPSECKEY: true, Gateway: "gw.example.com", Precedence: 20}},
		{"gateway-ipseckey", Spec{ID: "192.0.2.1", Pub: host, TTL: 300, KEY: true, IPSECKEY: true, Gateway: "192.0.2.1",
			Precedence: 10, Subnet: netip.MustParsePrefix("198.51.100.8/30")}},
	}
}

// TestRoleRecords compares each role's records with golden zone text and
// re-parses that text with dns.NewRR: what we publish is what a zone file
// (and a peer) reads back.
func TestRoleRecords(t *testing.T) {
	for _, tc := range roleCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			rrs, err := tc.spec.Records()
			if err != nil {
				t.Fatalf("Records() = %v", err)
			}
			var b strings.Builder
			for _, rr := range rrs {
				b.WriteString(rr.String() + "\n")
			}
			golden(t, filepath.Join("testdata", "roles", tc.name+".golden"), b.String())
			for i, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
				back, err := dns.NewRR(line)
				if err != nil {
					t.Fatalf("dns.NewRR(%q) = %v", line, err)
				}
				if !dns.IsDuplicate(back, rrs[i]) || back.Header().Ttl != rrs[i].Header().Ttl {
					t.Errorf("re-parsed %q = %v, want %v", line, back, rrs[i])
				}
				if txt, ok := back.(*dns.TXT); ok {
					for _, s := range txt.Txt {
						if len(s) > 255 {
							t.Errorf("TXT string of %d bytes, over 255", len(s))
						}
					}
				}
			}
		})
	}
}

func TestSpecErrors(t *testing.T) {
	host := loadPub(t, "host.pub.pem")
	for _, tc := range []struct {
		name    string
		spec    Spec
		wantErr string
	}{
		{"no-type", Spec{ID: "@a.example.com", Pub: host}, "no record type chosen"},
		{"no-key", Spec{ID: "@a.example.com", KEY: true}, "no public key"},
		{"bare-name", Spec{ID: "a.example.com", Pub: host, KEY: true}, "neither @FQDN nor an IP address"},
		{"user-id", Spec{ID: "@@user@example.com", Pub: host, KEY: true}, "is not @FQDN"},
		{"no-id", Spec{Pub: host, KEY: true}, "no id"},
		{"bad-txt-gateway", Spec{ID: "192.0.2.4", Pub: host, TXT: "gw.example.com"}, "gateway must be @FQDN or an IP address"},
		{"ptr-without-subnet", Spec{ID: "192.0.2.4", Pub: host, KEY: true, PTRDomain: "example.com"}, "needs a client subnet"},
		{"subnet-without-txt", Spec{ID: "192.0.2.1", Pub: host, KEY: true, Subnet: netip.MustParsePrefix("198.51.100.0/24")}, "needs --txt GATEWAY or --ipseckey"},
		{"subnet-too-big", Spec{ID: "192.0.2.1", Pub: host, TXT: "192.0.2.1", Subnet: netip.MustParsePrefix("10.0.0.0/8")}, "more than 1024 client addresses"},
		{"ipv6-subnet-too-big", Spec{ID: "192.0.2.1", Pub: host, TXT: "192.0.2.1", Subnet: netip.MustParsePrefix("2001:db8::/64")}, "more than 1024 client addresses"},
		{"nokey-without-txt", Spec{ID: "192.0.2.1", Pub: host, KEY: true, TXTNoKey: true}, "--txt-nokey needs --txt"},
		{"precedence", Spec{ID: "192.0.2.1", Pub: host, IPSECKEY: true, Precedence: 256}, "precedence 256 out of range"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.spec.Records()
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Records() = %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestClients(t *testing.T) {
	for _, tc := range []struct {
		in        string
		n         int
		first, to string
	}{
		{"198.51.100.0/24", 254, "198.51.100.1", "198.51.100.254"},
		{"198.51.100.7/30", 2, "198.51.100.5", "198.51.100.6"},
		{"198.51.100.9/32", 1, "198.51.100.9", "198.51.100.9"},
		{"198.51.100.8/31", 2, "198.51.100.8", "198.51.100.9"},
		{"2001:db8::/120", 255, "2001:db8::1", "2001:db8::ff"},
		{"255.255.255.252/30", 2, "255.255.255.253", "255.255.255.254"},
	} {
		got, err := Clients(netip.MustParsePrefix(tc.in))
		if err != nil {
			t.Fatalf("Clients(%s) = %v", tc.in, err)
		}
		if len(got) != tc.n || got[0].String() != tc.first || got[len(got)-1].String() != tc.to {
			t.Errorf("Clients(%s) = %d addresses %v..%v, want %d %s..%s", tc.in, len(got), got[0], got[len(got)-1], tc.n, tc.first, tc.to)
		}
	}
}

func TestOwner(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"@XY.Example.com", "xy.example.com."},
		{"@xy.example.com.", "xy.example.com."},
		{"192.0.2.4", "4.2.0.192.in-addr.arpa."},
		{"2001:db8::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."},
		{"::ffff:192.0.2.4", "4.2.0.192.in-addr.arpa."},
	} {
		if got, err := Owner(tc.in); err != nil || got != tc.want {
			t.Errorf("Owner(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
	}
}

func mustAddr(s string) netip.Addr     { return netip.MustParseAddr(s) }
func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
