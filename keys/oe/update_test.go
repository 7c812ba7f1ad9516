package oe

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestPlan(t *testing.T) {
	var all []dns.RR
	for _, tc := range roleCases(t) {
		rrs, err := tc.spec.Records()
		if err != nil {
			t.Fatal(err)
		}
		if tc.name == "initiator" || tc.name == "gateway" {
			all = append(all, rrs...)
		}
	}
	ups, err := Plan(all, []string{"example.com", "0.192.in-addr.arpa", "2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa"})
	if err != nil {
		t.Fatalf("Plan = %v", err)
	}
	var zones []string
	for _, u := range ups {
		zones = append(zones, u.Zone)
	}
	if got, want := strings.Join(zones, " "), "example.com. 2.0.192.in-addr.arpa. 100.51.198.in-addr.arpa."; got != want {
		t.Errorf("Plan zones = %s, want %s (longest match, first-seen order)", got, want)
	}
	golden(t, filepath.Join("testdata", "nsupdate", "initiator-gateway.golden"),
		Nsupdate("127.0.0.1:5353", TSIGKey{Name: "ipsec-test-key.", Algorithm: dns.HmacSHA256, secret: markerSecret}, ups))

	// Each owner/type gets one delete then its adds, so sending twice
	// leaves one set.
	m := ups[2].Msg()
	if len(m.Ns) != 6*2*2 {
		t.Errorf("reverse client update has %d update RRs, want 24 (6 clients x {PTR,TXT} x {delete,add})", len(m.Ns))
	}
	if del, ok := m.Ns[0].(*dns.ANY); !ok || del.Hdr.Class != dns.ClassANY || del.Hdr.Rrtype != dns.TypePTR {
		t.Errorf("first update RR = %v, want a delete of the PTR RRset", m.Ns[0])
	}
	if _, err := m.Pack(); err != nil {
		t.Errorf("packing the update: %v", err)
	}
}

func TestPlanErrors(t *testing.T) {
	host := loadPub(t, "host.pub.pem")
	rrs, err := Full(mustAddr("192.0.2.4"), host, 300).Records()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Plan(rrs, []string{"example.com"}); err == nil || !strings.Contains(err.Error(), "4.2.0.192.in-addr.arpa. is in no zone given (example.com): add --zone") {
		t.Errorf("Plan outside zone = %v", err)
	}
	if _, err := Plan(nil, []string{"example.com"}); err == nil {
		t.Errorf("Plan(nil) succeeded")
	}
	// 1024 clients with a 2048-bit key in their TXT cannot fit one message.
	big, err := Spec{ID: "192.0.2.1", Pub: host, TXT: "192.0.2.1", Subnet: mustPrefix("10.0.0.0/24")}.Records()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Plan(big, []string{"10.in-addr.arpa"}); err == nil || !strings.Contains(err.Error(), "over the 65535-byte DNS message limit: leave the key out of the clients' TXT records (--txt-nokey)") {
		t.Errorf("Plan(254 keyed clients) = %v, want the message-size error", err)
	}
	// Without the key in each TXT a /24 fits.
	small, err := Spec{ID: "192.0.2.1", Pub: host, TXT: "192.0.2.1", TXTNoKey: true, Subnet: mustPrefix("10.0.0.0/24")}.Records()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Plan(small, []string{"10.in-addr.arpa"}); err != nil {
		t.Errorf("Plan(254 clients, --txt-nokey) = %v", err)
	}
}
