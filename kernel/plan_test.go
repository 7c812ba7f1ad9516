package kernel

import (
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"goswan/conf"
	"goswan/conf/token"
)

var update = flag.Bool("update", false, "rewrite golden files")

// marker is the pattern every test key is made of; no output may contain it.
const marker = "5ec7"

func testKey(bits int) string { return "0x" + strings.Repeat(marker, bits/16) }

// testConn builds a resolved conn from keyword=value pairs, each at its own
// line of "test.conf" so error positions can be checked.
func testConn(name string, kv ...string) *conf.Conn {
	c := &conf.Conn{Section: conf.Section{Name: name, Pos: token.Position{Filename: "test.conf", Line: 1, Column: 1}}}
	for i, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		c.Set(conf.Value{Keyword: k, Raw: v, Pos: token.Position{Filename: "test.conf", Line: i + 2, Column: 2}, Origin: conf.FromConn})
	}
	return c
}

var base = []string{"left=192.0.2.1", "right=192.0.2.2"}

func with(kv ...string) []string { return append(append([]string{}, base...), kv...) }

var planCases = []struct {
	name string
	kv   []string
}{
	{"tunnel-3des-spibase", with("leftsubnet=10.0.1.0/24", "rightsubnet=10.0.2.0/24", "spibase=0x200",
		"esp=3des-md5-96", "espenckey="+testKey(192), "espauthkey="+testKey(128))},
	{"transport-aes-spi", with("type=transport", "spi=0x300", "esp=aes128-sha2_256",
		"espenckey="+testKey(128), "espauthkey="+testKey(256), "espreplay_window=32")},
	{"tunnel-gcm-hosts", with("spi=0x400", "esp=aes_gcm128", "espenckey="+testKey(160))},
	{"tunnel-ah", with("leftsubnet=10.0.1.0/24", "spibase=0x500", "ah=hmac-sha1-96", "ahkey="+testKey(160))},
	{"tunnel-esp-ah", with("leftsubnet=10.0.1.0/24", "rightsubnet=10.0.2.0/24", "spibase=0x600",
		"esp=aes256-sha2_512", "espenckey="+testKey(256), "espauthkey="+testKey(512),
		"ah=sha2_256", "ahkey="+testKey(256), "ahreplay_window=16")},
	{"per-side", with("type=transport", "esp=3des-sha1-96", "leftespspi=0x701", "rightespspi=0x702",
		"leftespenckey="+testKey(192), "rightespenckey="+testKey(192),
		"leftespauthkey="+testKey(160), "rightespauthkey="+testKey(160))},
	{"v6-transport", []string{"left=2001:db8::1", "right=2001:db8::2", "type=transport", "spi=0x800",
		"esp=chacha20_poly1305", "espenckey=" + testKey(288)}},
	{"v6-tunnel-subnets", []string{"left=2001:db8::1", "right=2001:db8::2", "leftsubnet=2001:db8:1::/48",
		"rightsubnet=2001:db8:2::/48", "spibase=0x900", "esp=aes_gcm256", "espenckey=" + testKey(288)}},
	{"transport-esp-ah-per-side", with("type=transport", "spibase=0xa00", "leftahspi=0xa0f", "rightahspi=0xa1f",
		"esp=aes_ctr128-sha2_256", "espenckey="+testKey(160), "espauthkey="+testKey(256),
		"ah=aes_xcbc", "leftahkey="+testKey(128), "rightahkey="+testKey(128), "espreplay_window=8")},
	{"passthrough", with("type=passthrough", "leftsubnet=10.0.1.0/24", "rightsubnet=10.0.2.0/24")},
	{"drop", with("type=drop")},
}

func TestPlanGolden(t *testing.T) {
	for _, tc := range planCases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseManual(testConn(tc.name, tc.kv...))
			if err != nil {
				t.Fatalf("ParseManual: %v", err)
			}
			var b strings.Builder
			for _, side := range []Side{Left, Right} {
				p, err := m.Plan(side, Options{})
				if err != nil {
					t.Fatalf("Plan(%s): %v", side, err)
				}
				b.WriteString("# " + side.String() + " --up\n")
				b.WriteString(strings.Join(p.UpCommands(), "\n") + "\n")
				b.WriteString("# " + side.String() + " --down\n")
				b.WriteString(strings.Join(p.DownCommands(), "\n") + "\n")
			}
			got := b.String()
			if strings.Contains(strings.ToLower(got), marker) {
				t.Fatalf("key material in --showonly output:\n%s", got)
			}
			golden := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("plan differs from %s:\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}

// TestPlanSPIs checks the SPI numbering FreeS/WAN documented for spibase:
// left→right even, right→left odd, tunnel slot, ESP, AH.
func TestPlanSPIs(t *testing.T) {
	tests := []struct {
		name              string
		kv                []string
		leftESP, leftAH   uint32 // SAs sent by left
		rightESP, rightAH uint32
	}{
		{"tunnel esp", with("spibase=0x200", "esp=3des-md5-96", "espenckey="+testKey(192), "espauthkey="+testKey(128)), 0x202, 0, 0x203, 0},
		{"transport esp", with("type=transport", "spibase=0x200", "esp=aes_gcm128", "espenckey="+testKey(160)), 0x200, 0, 0x201, 0},
		{"tunnel esp+ah", with("spibase=0x200", "esp=aes_gcm128", "espenckey="+testKey(160), "ah=md5", "ahkey="+testKey(128)), 0x202, 0x204, 0x203, 0x205},
		{"tunnel ah", with("spibase=0x200", "ah=md5", "ahkey="+testKey(128)), 0, 0x202, 0, 0x203},
		{"spi", with("spi=0x123", "esp=aes_gcm128", "espenckey="+testKey(160), "ah=md5", "ahkey="+testKey(128)), 0x123, 0x123, 0x123, 0x123},
		{"override", with("spibase=0x200", "rightespspi=0x999", "esp=aes_gcm128", "espenckey="+testKey(160)), 0x202, 0, 0x999, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseManual(testConn("c", tc.kv...))
			if err != nil {
				t.Fatal(err)
			}
			got := [4]uint32{m.Flows[Left].ESPSPI, m.Flows[Left].AHSPI, m.Flows[Right].ESPSPI, m.Flows[Right].AHSPI}
			want := [4]uint32{tc.leftESP, tc.leftAH, tc.rightESP, tc.rightAH}
			if got != want {
				t.Errorf("SPIs (left esp, left ah, right esp, right ah) = %#x, want %#x", got, want)
			}
		})
	}
}

// TestPlanStructure checks what the goldens show in a form a reader can
// verify: directions, modes, reqids and which SA is whose.
func TestPlanStructure(t *testing.T) {
	m, err := ParseManual(testConn("c", with("leftsubnet=10.0.1.0/24", "rightsubnet=10.0.2.0/24", "spibase=0x600",
		"esp=aes128-sha1", "espenckey="+testKey(128), "espauthkey="+testKey(160), "ah=sha1", "ahkey="+testKey(160))...))
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.Plan(Right, Options{})
	if err != nil {
		t.Fatal(err)
	}
	me, peer := netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("192.0.2.1")
	if len(p.States) != 4 {
		t.Fatalf("%d states, want 4 (esp+ah each way)", len(p.States))
	}
	out := p.States[:2]
	in := p.States[2:]
	for _, s := range out {
		if s.Src != me || s.Dst != peer {
			t.Errorf("outbound SA %s goes %s->%s, want %s->%s", s.ID(), s.Src, s.Dst, me, peer)
		}
	}
	for _, s := range in {
		if s.Src != peer || s.Dst != me {
			t.Errorf("inbound SA %s goes %s->%s", s.ID(), s.Src, s.Dst)
		}
	}
	if out[0].Proto != ProtoESP || out[0].Mode != ModeTunnel || out[1].Proto != ProtoAH || out[1].Mode != ModeTransport {
		t.Errorf("outbound bundle = %v/%v, %v/%v; want esp/tunnel then ah/transport", out[0].Proto, out[0].Mode, out[1].Proto, out[1].Mode)
	}
	if out[0].SPI != 0x603 || in[0].SPI != 0x602 {
		t.Errorf("right sends with ESP spi %#x, receives %#x; want 0x603 (right→left odd), 0x602", out[0].SPI, in[0].SPI)
	}
	dirs := ""
	for _, pol := range p.Policies {
		dirs += pol.Dir.String() + " "
		if pol.Tmpls[0].Reqid != map[Dir]uint32{DirOut: 0x603, DirIn: 0x602, DirFwd: 0x602}[pol.Dir] {
			t.Errorf("policy %s has reqid %#x", pol.ID(), pol.Tmpls[0].Reqid)
		}
	}
	if dirs != "out in fwd " {
		t.Errorf("policy directions %q, want out in fwd", dirs)
	}
}

func TestParseManualErrors(t *testing.T) {
	tests := []struct {
		name    string
		kv      []string
		wantErr string
	}{
		{"no right", []string{"left=192.0.2.1", "spi=0x200", "esp=aes_gcm128", "espenckey=" + testKey(160)}, `test.conf:1:1: conn "c" has no right=`},
		{"name", []string{"left=gw.example", "right=192.0.2.2", "spi=0x200", "esp=aes_gcm128", "espenckey=" + testKey(160)}, `test.conf:2:2: left="gw.example" is not an IP address`},
		{"spi and spibase", with("spi=0x200", "spibase=0x300", "esp=aes_gcm128", "espenckey="+testKey(160)), "test.conf:5:2: spi= and spibase= cannot both be set"},
		{"spibase digit", with("spibase=0x201", "esp=aes_gcm128", "espenckey="+testKey(160)), "spibase=0x201 must end in hex digit 0"},
		{"spi decimal", with("spi=512", "esp=aes_gcm128", "espenckey="+testKey(160)), `spi="512" must be hexadecimal`},
		{"spi reserved", with("spi=0x10", "esp=aes_gcm128", "espenckey="+testKey(160)), "below 0x100"},
		{"no spi", with("esp=aes_gcm128", "espenckey="+testKey(160)), "has no SPI for the SAs from left"},
		{"no alg", with("spi=0x200"), "has neither esp= nor ah="},
		{"key length", with("spi=0x200", "esp=aes256-sha2_256", "espenckey="+testKey(128), "espauthkey="+testKey(256)), "test.conf:6:2: espenckey is 128 bits, aes256-sha2_256 needs 256"},
		{"gcm salt", with("spi=0x200", "esp=aes_gcm128", "espenckey="+testKey(128)), "espenckey is 128 bits, aes_gcm128 needs 160 (key + 32-bit salt)"},
		{"auth key length", with("spi=0x200", "esp=3des-md5-96", "espenckey="+testKey(192), "espauthkey="+testKey(160)), "espauthkey is 160 bits, 3des-md5-96 needs 128"},
		{"enc without auth", with("spi=0x200", "esp=aes128", "espenckey="+testKey(128)), "encryption without authentication"},
		{"null", with("spi=0x200", "esp=null-sha1", "espauthkey="+testKey(160)), "null encryption sends the data in clear"},
		{"des", with("spi=0x200", "esp=des-md5", "espenckey="+testKey(64)), "single DES"},
		{"unknown alg", with("spi=0x200", "esp=rot13-md5", "espenckey="+testKey(64)), `unknown encryption algorithm "rot13"`},
		{"one side key", with("spi=0x200", "esp=aes_gcm128", "leftespenckey="+testKey(160)), "leftespenckey is set but rightespenckey is not"},
		{"no ah key", with("spi=0x200", "ah=hmac-md5-96"), `conn "c" has no ahkey`},
		{"shunt with esp", with("type=drop", "esp=aes_gcm128"), "type=drop passes or drops traffic and takes no esp="},
		{"transport subnet", with("type=transport", "leftsubnet=10.0.0.0/8", "spi=0x200", "esp=aes_gcm128", "espenckey="+testKey(160)), "type=transport protects only the hosts"},
		{"subnet without length", with("leftsubnet=10.0.0.0", "spi=0x200", "esp=aes_gcm128", "espenckey="+testKey(160)), "needs a /length"},
		{"replay", with("spi=0x200", "esp=aes_gcm128", "espenckey="+testKey(160), "espreplay_window=64"), "espreplay_window=\"64\" must be an integer from 0 to 32"},
		{"bad key", with("spi=0x200", "esp=aes_gcm128", "espenckey=0x"+marker+"zz"), "key has a character that is not a hex digit"},
		{"odd key", with("spi=0x200", "esp=aes_gcm128", "espenckey=0x"+marker+"1"), "odd number of hex digits"},
		{"trunc", with("spi=0x200", "esp=3des-md5-128", "espenckey="+testKey(192), "espauthkey="+testKey(128)), "md5 is truncated to 96 bits"},
		{"aead with integ", with("spi=0x200", "esp=aes_gcm128-sha1", "espenckey="+testKey(160)), "authenticates by itself"},
		{"mixed family", []string{"left=192.0.2.1", "right=2001:db8::2", "spi=0x200", "esp=aes_gcm128", "espenckey=" + testKey(160)}, "same address family"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseManual(testConn("c", tc.kv...))
			if err == nil {
				t.Fatalf("ParseManual succeeded, want error containing %q", tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseManual error = %q, want it to contain %q", err, tc.wantErr)
			}
			if strings.Contains(strings.ToLower(err.Error()), marker) {
				t.Errorf("error shows key material: %q", err)
			}
		})
	}
}

func TestOrient(t *testing.T) {
	m, err := ParseManual(testConn("c", with("spi=0x200", "esp=aes_gcm128", "espenckey="+testKey(160))...))
	if err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddr
	tests := []struct {
		name    string
		local   []netip.Addr
		want    Side
		wantErr string
	}{
		{"left", []netip.Addr{a("127.0.0.1"), a("192.0.2.1")}, Left, ""},
		{"right", []netip.Addr{a("192.0.2.2")}, Right, ""},
		{"mapped", []netip.Addr{a("::ffff:192.0.2.2")}, Right, ""},
		{"neither", []netip.Addr{a("198.51.100.1")}, Left, "neither left=192.0.2.1 nor right=192.0.2.2"},
		{"both", []netip.Addr{a("192.0.2.1"), a("192.0.2.2")}, Left, "both left=192.0.2.1 and right=192.0.2.2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := m.Orient(tc.local)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Orient(%v) error = %v, want %q", tc.local, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Orient(%v) = %v, %v; want %v", tc.local, got, err, tc.want)
			}
		})
	}
}

func TestResolveDefaultRoute(t *testing.T) {
	m, err := ParseManual(testConn("c", "left=%defaultroute", "leftnexthop=%defaultroute", "right=192.0.2.2",
		"spi=0x200", "esp=aes_gcm128", "espenckey="+testKey(160)))
	if err != nil {
		t.Fatal(err)
	}
	if !m.NeedsDefaultRoute() {
		t.Fatal("NeedsDefaultRoute = false")
	}
	if _, err := m.Plan(Left, Options{}); err == nil {
		t.Fatal("Plan before Resolve succeeded")
	}
	if err := m.Resolve(netip.Addr{}, netip.Addr{}); err == nil || !strings.Contains(err.Error(), "no default route") {
		t.Fatalf("Resolve without route: %v", err)
	}
	if err := m.Resolve(netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.254")); err != nil {
		t.Fatal(err)
	}
	if m.Left.Host != netip.MustParseAddr("192.0.2.1") || m.Left.NextHop != netip.MustParseAddr("192.0.2.254") {
		t.Errorf("resolved left = %v via %v", m.Left.Host, m.Left.NextHop)
	}
}

func TestKeyRedacted(t *testing.T) {
	k, err := ParseKey("0x" + marker + "_" + marker)
	if err != nil {
		t.Fatal(err)
	}
	if k.Bits() != 32 {
		t.Errorf("Bits = %d, want 32", k.Bits())
	}
	for _, s := range []string{k.String(), k.GoString()} {
		if s != Redacted {
			t.Errorf("key formats as %q", s)
		}
	}
	st := State{Enc: &Algo{Name: "cbc(aes)", Key: k}}
	for _, f := range []string{"%v", "%+v", "%#v", "%x", "%s", "%q"} {
		if got := fmt.Sprintf(f, st); strings.Contains(strings.ToLower(got), marker) {
			t.Errorf("Sprintf(%q, state) = %s", f, got)
		}
	}
}
