package conf

import (
	"strings"
	"testing"
)

// TestConnConsistency covers the per-conn rules found by the differential
// test against Libreswan 4.10 (tests/differential_test.go): keyword
// combinations that make Libreswan report the conn as "did not load
// properly". The conn must fail with the message, the others must load.
func TestConnConsistency(t *testing.T) {
	const hosts = "\tleft=192.0.2.1\n\tright=198.51.100.1\n"
	tests := []struct {
		name, conf, wantErr string // wantErr "" means the conn loads
	}{
		{"subnet and addresspool", "conn a\n" + hosts + "\trightsubnet=10.9.0.0/16\n\trightaddresspool=10.9.0.10-10.9.0.20\n",
			"cannot specify both rightsubnet= and rightaddresspool="},
		{"subnet from %default and addresspool", "conn %default\n\tleftsubnet=10.1.0.0/16\nconn a\n" + hosts + "\tleftaddresspool=10.9.0.10-10.9.0.20\n",
			"cannot specify both leftsubnet= and leftaddresspool="},
		{"addresspool on the other end", "conn a\n" + hosts + "\tleftsubnet=10.1.0.0/16\n\trightaddresspool=10.9.0.10-10.9.0.20\n", ""},
		{"cert and ckaid", "conn a\n" + hosts + "\tleftcert=west\n\tleftckaid=abcd\n",
			"only one of leftcert and leftckaid can be specified"},
		{"cert via also and ckaid", "conn a\n" + hosts + "\trightckaid=abcd\n\talso=b\nconn b\n\trightcert=east\n",
			"only one of rightcert and rightckaid can be specified"},
		{"ikev1 authby=null", "conn a\n" + hosts + "\tauthby=null\n\tikev2=no\n",
			"ikev1 connection must use authby= of rsasig, secret or never"},
		{"ikev1 via permit", "conn a\n" + hosts + "\tauthby=rsa-sha1\n\tikev2=permit\n",
			"ikev1 connection must use authby= of rsasig, secret or never"},
		{"ikev1 list with one bad word", "conn a\n" + hosts + "\tauthby=rsasig,null\n\tikev2=never\n",
			"ikev1 connection must use authby= of rsasig, secret or never"},
		{"ikev1 rsasig,secret", "conn a\n" + hosts + "\tauthby=rsasig,secret\n\tikev2=no\n", ""},
		{"ikev1 rsa", "conn a\n" + hosts + "\tauthby=rsa\n\tikev2=no\n", ""},
		{"ikev2 authby=null", "conn a\n" + hosts + "\tauthby=null\n\tikev2=insist\n", ""},
		{"ikev2 by default", "conn a\n" + hosts + "\tauthby=ecdsa\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustLoad(t, tt.conf)
			c := cfg.Conn("a")
			if c == nil {
				t.Fatal("conn a missing")
			}
			switch {
			case tt.wantErr == "" && c.Err != nil:
				t.Errorf("conn a failed: %v", c.Err)
			case tt.wantErr != "" && c.Err == nil:
				t.Errorf("conn a loaded, want error %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(c.Err.Error(), tt.wantErr):
				t.Errorf("error %q, want it to contain %q", c.Err, tt.wantErr)
			case tt.wantErr != "" && !strings.HasPrefix(c.Err.Error(), "ipsec.conf:"):
				t.Errorf("error %q does not name file:line:col", c.Err)
			}
		})
	}
}

// TestProtoPortRanges: Libreswan 4.10 fails a conn whose protoport has a
// protocol number above 255 or a port above 65535; a number is never taken
// as a name. Found by the differential test.
func TestProtoPortRanges(t *testing.T) {
	tests := []struct {
		value string
		ok    bool
	}{
		{"17/1701", true}, {"udp/1701", true}, {"tcp/http", true}, {"udp/%any", true},
		{"255", true}, {"udp/65535", true}, {"udp/0", true}, {"ipv6-icmp", true},
		{"300/1", false}, {"256", false}, {"udp/70000", false}, {"udp/65536", false},
	}
	for _, tt := range tests {
		_, err := Parse("ipsec.conf", []byte("conn a\n\tleft=192.0.2.1\n\tright=198.51.100.1\n\tleftprotoport="+tt.value+"\n"), nil)
		if (err == nil) != tt.ok {
			t.Errorf("leftprotoport=%s: error %v, want ok=%v", tt.value, err, tt.ok)
		}
	}
}

// TestBareAuth: a bare auth= is FreeS/WAN's IPsec protocol when it says esp
// or ah, and otherwise Libreswan's bare rightauth= (found by the
// differential test: auth=secret was rejected as "not one of esp, ah").
func TestBareAuth(t *testing.T) {
	tests := []struct{ value, key, want string }{
		{"esp", "phase2", "esp"},
		{"AH", "phase2", "ah"},
		{"secret", "rightauth", "secret"},
		{"rsasig", "rightauth", "rsasig"},
	}
	for _, tt := range tests {
		cfg := mustLoad(t, "conn a\n\tleft=192.0.2.1\n\tright=198.51.100.1\n\tauth="+tt.value+"\n")
		c := cfg.Conn("a")
		if c.Err != nil {
			t.Errorf("auth=%s: %v", tt.value, c.Err)
			continue
		}
		if got := c.String(tt.key); got != tt.want {
			t.Errorf("auth=%s: %s=%q, want %q", tt.value, tt.key, got, tt.want)
		}
	}
	if _, err := Parse("ipsec.conf", []byte("conn a\n\tauth=bogus\n"), nil); err == nil {
		t.Error("auth=bogus accepted")
	}
}
