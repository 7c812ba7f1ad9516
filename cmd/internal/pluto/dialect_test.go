package pluto

import (
	"strings"
	"testing"

	"goswan/conf"
)

// TestDialects reads a conn written for one Libreswan release for
// another: a 4.x file for 5.x and a 5.x file for 4.10.
func TestDialects(t *testing.T) {
	for _, tc := range []struct {
		name, conn string
		version    Version
		want       func(*Conn) bool
		ignored    string // a keyword listed in Ignored ("" for none)
	}{
		{"4.x ikev2=no on 5.2 is keyexchange=ikev1", "ikev2=no", V5_2,
			func(m *Conn) bool { return m.IKEVersion == IKEv1 }, ""},
		{"4.x dpdaction on 5.2 is warned", "dpddelay=30\n\tdpdaction=clear", V5_2,
			func(m *Conn) bool { return m.DPDDelay > 0 }, "dpdaction"},
		{"4.x modecfgdns1 on 5.2 is warned", "modecfgdns1=10.0.0.1", V5_2,
			func(*Conn) bool { return true }, "modecfgdns1"},
		{"5.x keyexchange=ikev1 on 4.10", "keyexchange=ikev1", V4_10,
			func(m *Conn) bool { return m.IKEVersion == IKEv1 }, ""},
		{"5.x nflog-group on 4.10 is nflog", "nflog-group=7", V4_10,
			func(m *Conn) bool { return m.NflogGroup == 7 }, ""},
		{"5.x interface-ip on 4.10 is warned", "leftinterface-ip=10.0.0.1/32", V4_10,
			func(*Conn) bool { return true }, "leftinterface-ip"},
		{"4.x forceencaps=yes on 5.2 is encapsulation=yes", "forceencaps=yes", V5_2,
			func(m *Conn) bool { return m.Encapsulation == YNAYes }, ""},
		{"4.x forceencaps=no on 5.2 is encapsulation=auto", "forceencaps=no", V5_2,
			func(m *Conn) bool { return m.Encapsulation == YNAAuto }, ""},
		{"encapsulation= wins over forceencaps= on 5.2", "forceencaps=yes\n\tencapsulation=no", V5_2,
			func(m *Conn) bool { return m.Encapsulation == YNANo }, ""},
		{"forceencaps=yes on 4.10 is ignored, as 4.10's addconn does", "forceencaps=yes", V4_10,
			func(m *Conn) bool { return m.Encapsulation == YNAAuto }, ""},
		{"FreeS/WAN leftfirewall on 5.2 is warned", "leftfirewall=yes", V5_2,
			func(*Conn) bool { return true }, "leftfirewall"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := "conn c\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=secret\n\t" + tc.conn + "\n"
			cfg, _ := conf.Parse("d.conf", []byte(text), &conf.Options{})
			if cfg == nil || len(cfg.Conns) != 1 {
				t.Fatalf("conf.Parse(%q) gave no conn", text)
			}
			m, err := FromConf(cfg.Conns[0], fixedEnv, tc.version)
			if err != nil {
				t.Fatalf("FromConf = %v", err)
			}
			if !tc.want(m) {
				t.Errorf("FromConf(%q, %v) = %+v, not as the release reads it", tc.conn, tc.version, *m)
			}
			var got []string
			for _, ig := range m.Ignored {
				got = append(got, ig.Keyword)
			}
			if tc.ignored != "" && !strings.Contains(strings.Join(got, " "), tc.ignored) {
				t.Errorf("Ignored = %v, want %s listed", got, tc.ignored)
			}
		})
	}
}

// TestEmptySubnets is subnets={} for each release: 5.x adds the one
// instance NAME/0x0 (aliased NAME), 4.10's addconn adds nothing, which
// goswan reports.
func TestEmptySubnets(t *testing.T) {
	text := "conn c\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\tauthby=secret\n\trightsubnets={}\n"
	cfg, _ := conf.Parse("d.conf", []byte(text), &conf.Options{})
	if cfg == nil || len(cfg.Conns) != 1 {
		t.Fatalf("conf.Parse(%q) gave no conn", text)
	}
	m, err := FromConf(cfg.Conns[0], fixedEnv, V5_2)
	if err != nil {
		t.Fatalf("FromConf(5.2) = %v", err)
	}
	if in := m.instances(); len(in) != 1 || in[0].name != "c/0x0" || in[0].alias != "c" {
		t.Errorf("instances on 5.2 = %+v, want one c/0x0 aliased c", in)
	}
	var b strings.Builder
	m.WriteConf5(&b)
	if !strings.Contains(b.String(), "\trightsubnets=\"\"\n") {
		t.Errorf("WriteConf5 = %q, want the empty rightsubnets= kept", b.String())
	}
	if _, err := FromConf(cfg.Conns[0], fixedEnv, V4_10); err == nil || !strings.Contains(err.Error(), "d.conf:5:2: ") || !strings.Contains(err.Error(), "lists no subnet") {
		t.Errorf("FromConf(4.10) = %v, want d.conf:5:2: ... lists no subnet", err)
	}
}
