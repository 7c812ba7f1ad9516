package manualkey

import (
	"slices"
	"strings"
	"testing"

	"goswan/conf"
	"goswan/conf/token"
	"goswan/kernel"
)

func manualConn(t *testing.T, kv ...string) *kernel.Manual {
	t.Helper()
	c := &conf.Conn{Section: conf.Section{Name: "c", Pos: token.Position{Filename: "t.conf", Line: 1, Column: 1}}}
	for _, s := range kv {
		k, v, _ := strings.Cut(s, "=")
		c.Set(conf.Value{Keyword: k, Raw: v})
	}
	m, err := kernel.ParseManual(c)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestUpdownEnv checks PLUTO_VERB's suffix (-host, -client, -v6) and the
// variables seed 000 lists, for each end.
func TestUpdownEnv(t *testing.T) {
	tests := []struct {
		name string
		kv   []string
		side kernel.Side
		verb string
		want []string
	}{
		{"hosts", []string{"left=192.0.2.1", "right=192.0.2.2", "type=drop"}, kernel.Left, "up-host",
			[]string{"PLUTO_ME=192.0.2.1", "PLUTO_PEER=192.0.2.2", "PLUTO_MY_CLIENT=192.0.2.1/32", "PLUTO_MY_CLIENT_MASK=255.255.255.255", "PLUTO_NEXT_HOP=192.0.2.2"}},
		{"peer subnet", []string{"left=192.0.2.1", "right=192.0.2.2", "rightsubnet=10.0.2.0/24", "type=drop"}, kernel.Left, "up-client",
			[]string{"PLUTO_PEER_CLIENT=10.0.2.0/24", "PLUTO_PEER_CLIENT_NET=10.0.2.0", "PLUTO_PEER_CLIENT_MASK=255.255.255.0"}},
		{"right end", []string{"left=192.0.2.1", "right=192.0.2.2", "leftsubnet=10.0.1.0/24", "rightnexthop=192.0.2.254", "type=drop"}, kernel.Right, "up-client",
			[]string{"PLUTO_ME=192.0.2.2", "PLUTO_PEER=192.0.2.1", "PLUTO_PEER_CLIENT=10.0.1.0/24", "PLUTO_NEXT_HOP=192.0.2.254", "PLUTO_INTERFACE=eth1"}},
		{"v6", []string{"left=2001:db8::1", "right=2001:db8::2", "leftsubnet=2001:db8:1::/48", "type=drop"}, kernel.Left, "up-client-v6",
			[]string{"PLUTO_MY_CLIENT=2001:db8:1::/48", "PLUTO_MY_CLIENT_MASK=48", "PLUTO_VERSION=1.1", "PLUTO_CONNECTION=c"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := manualConn(t, tc.kv...)
			u := newUpdown(m, hostEnd{side: tc.side, addr: m.End(tc.side).Host, iface: "eth1"})
			env := u.env("up")
			if env[0] != "PLUTO_VERB="+tc.verb {
				t.Errorf("%s, want PLUTO_VERB=%s", env[0], tc.verb)
			}
			for _, w := range tc.want {
				if !slices.Contains(env, w) {
					t.Errorf("environment lacks %s:\n%s", w, strings.Join(env, "\n"))
				}
			}
		})
	}
}

func TestParseIAm(t *testing.T) {
	for _, tc := range []struct{ in, want, wantErr string }{
		{"192.0.2.1@eth0", "192.0.2.1 eth0", ""},
		{"2001:db8::1@wan", "2001:db8::1 wan", ""},
		{"eth0", "", "want ADDRESS@INTERFACE"},
		{"192.0.2.1@", "", "want ADDRESS@INTERFACE"},
		{"host@eth0", "", "want ADDRESS@INTERFACE"},
	} {
		got, err := ParseIAm(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseIAm(%q) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got.Addr.String()+" "+got.Iface != tc.want {
			t.Errorf("ParseIAm(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestBuiltinArgs(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		args []string
		ok   bool
	}{
		{"ipsec _updown", []string{}, true},
		{"ipsec  _updown --route yes", []string{"--route", "yes"}, true},
		{"ipsec _updown --iproute 'table 7'", nil, false},
		{"/usr/libexec/ipsec/_updown", nil, false},
		{"ipsec _updown; rm -rf /", nil, false},
		{"UPDOWN_LOG=x ipsec _updown", nil, false},
	} {
		args, ok := builtinArgs(tc.cmd)
		if ok != tc.ok || ok && !slices.Equal(args, tc.args) {
			t.Errorf("builtinArgs(%q) = %q, %v; want %q, %v", tc.cmd, args, ok, tc.args, tc.ok)
		}
	}
}
