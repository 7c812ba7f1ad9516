package oe

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNewResolver(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(conf, []byte("# test\nnameserver 127.0.0.1\nnameserver ::1\noptions timeout:2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := NewResolver("", conf)
	if err != nil || strings.Join(r.Servers, " ") != "127.0.0.1:53 [::1]:53" || r.Timeout.Seconds() != 2 {
		t.Errorf("NewResolver(resolv.conf) = %+v, %v, want both servers on port 53, 2 s", r, err)
	}
	r, err = NewResolver("127.0.0.1:5353", conf)
	if err != nil || strings.Join(r.Servers, " ") != "127.0.0.1:5353" {
		t.Errorf("NewResolver(--nameserver) = %+v, %v", r, err)
	}
	empty := filepath.Join(dir, "empty.conf")
	if err := os.WriteFile(empty, []byte("search example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NewResolver("", empty); err == nil || !strings.Contains(err.Error(), "lists no name server; give --nameserver") {
		t.Errorf("NewResolver(no servers) = %v", err)
	}
	if _, err := NewResolver("", filepath.Join(dir, "missing")); err == nil || !strings.HasPrefix(err.Error(), "reading name servers:") {
		t.Errorf("NewResolver(missing file) = %v", err)
	}
}
