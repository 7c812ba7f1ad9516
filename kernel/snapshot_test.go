package kernel

import (
	"net/netip"
	"strings"
	"testing"
)

func TestSnapshotFormat(t *testing.T) {
	k, err := ParseKey("0x" + strings.Repeat(marker, 4))
	if err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddr
	st := State{Src: a("192.0.2.1"), Dst: a("192.0.2.2"), Proto: ProtoESP, SPI: 0x202, Mode: ModeTunnel, Reqid: 514,
		Enc: &Algo{Name: "cbc(aes)", Key: k}, Auth: &Algo{Name: "hmac(sha256)", Key: k, Bits: 128}}
	snap := &Snapshot{
		States:   []State{st},
		Counters: map[string]Counters{st.ID(): {Bytes: 252, Packets: 3}},
		Policies: []Policy{{Src: netip.MustParsePrefix("10.0.1.0/24"), Dst: netip.MustParsePrefix("10.0.2.0/24"), Dir: DirOut, Priority: 1040,
			Tmpls: []Template{{Src: a("192.0.2.1"), Dst: a("192.0.2.2"), Proto: ProtoESP, Mode: ModeTunnel, Reqid: 514}}}},
		Routes: []Route{
			{Dst: netip.MustParsePrefix("0.0.0.0/0"), Gateway: a("192.0.2.254"), Dev: "eth0"},
			{Dst: netip.MustParsePrefix("10.0.2.0/24"), Gateway: a("192.0.2.2"), Dev: "eth0"},
			{Dst: netip.MustParsePrefix("172.16.0.0/12"), Gateway: a("192.0.2.9"), Dev: "eth0"},
			{Dst: netip.MustParsePrefix("192.0.2.0/24"), Src: a("192.0.2.1"), Dev: "eth0"},
		},
	}
	var b strings.Builder
	snap.WriteStates(&b, false)
	snap.WritePolicies(&b)
	for _, r := range snap.IPsecRoutes() {
		b.WriteString(r.String() + "\n")
	}
	want := `src 192.0.2.1 dst 192.0.2.2
	proto esp spi 0x00000202 reqid 514 mode tunnel
	replay-window 0
	auth-trunc hmac(sha256) [redacted] 128
	enc cbc(aes) [redacted]
	traffic: 252 bytes, 3 packets
src 10.0.1.0/24 dst 10.0.2.0/24
	dir out priority 1040
	tmpl src 192.0.2.1 dst 192.0.2.2
		proto esp reqid 514 mode tunnel
default via 192.0.2.254 dev eth0
10.0.2.0/24 via 192.0.2.2 dev eth0
`
	if b.String() != want {
		t.Errorf("look output:\n%s\nwant:\n%s", b.String(), want)
	}
	var shown strings.Builder
	snap.WriteStates(&shown, true)
	if !strings.Contains(shown.String(), "enc cbc(aes) 0x"+strings.Repeat(marker, 4)) {
		t.Errorf("--show-keys output lacks the key:\n%s", shown.String())
	}
}
