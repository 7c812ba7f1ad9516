package keys

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestRecordsReparse(t *testing.T) {
	pub := testKey(65537)
	b64, err := Base64(pub)
	if err != nil {
		t.Fatal(err)
	}
	key, err := KEYRecord("xy.example.com", pub, 3600)
	if err != nil {
		t.Fatal(err)
	}
	txt, err := TXTRecord("4.3.2.1.in-addr.arpa", "1.2.3.4", 10, pub)
	if err != nil {
		t.Fatal(err)
	}
	var rrs []dns.RR = []dns.RR{key, txt}
	for _, gw := range []string{"", "192.0.2.1", "2001:db8::1", "gw.example.com"} {
		rr, err := IPSECKEYRecord("xy.example.com", 10, gw, pub)
		if err != nil {
			t.Fatalf("IPSECKEYRecord(gw %q): %v", gw, err)
		}
		rrs = append(rrs, rr)
	}
	for _, rr := range rrs {
		back, err := dns.NewRR(rr.String())
		if err != nil {
			t.Fatalf("dns.NewRR(%q): %v", rr.String(), err)
		}
		if !dns.IsDuplicate(rr, back) {
			t.Errorf("re-parsed %q as %q", rr.String(), back.String())
		}
	}
	if !strings.Contains(key.String(), "16896 4 1 "+b64) {
		t.Errorf("KEY record %q lacks flags 16896 4 1 and the key", key.String())
	}
	if got := strings.Join(txt.Txt, ""); got != "X-IPsec-Server(10)=1.2.3.4 "+b64 {
		t.Errorf("TXT strings join to %q", got)
	}
	for _, s := range txt.Txt {
		if len(s) > 255 {
			t.Errorf("TXT string of %d bytes exceeds 255", len(s))
		}
	}
}

func TestTXTRecordRejectsGateway(t *testing.T) {
	for _, gw := range []string{"", "gw.example.com", "1.2.3", "@"} {
		if _, err := TXTRecord("", gw, 10, testKey(65537)); err == nil {
			t.Errorf("TXTRecord(gateway %q) = nil error, want one", gw)
		}
	}
}
