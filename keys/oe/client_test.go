package oe

import "testing"

func TestServerAddr(t *testing.T) {
	for _, tc := range []struct{ in, want, wantErr string }{
		{"127.0.0.1", "127.0.0.1:53", ""},
		{"127.0.0.1:5353", "127.0.0.1:5353", ""},
		{"ns1.example.com", "ns1.example.com:53", ""},
		{"::1", "[::1]:53", ""},
		{"[::1]:5353", "[::1]:5353", ""},
		{"", "", "no server given"},
	} {
		got, err := ServerAddr(tc.in)
		if got != tc.want || (err == nil) != (tc.wantErr == "") {
			t.Errorf("ServerAddr(%q) = %q, %v, want %q %q", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}
