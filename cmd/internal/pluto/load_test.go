package pluto

import (
	"bufio"
	"bytes"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"goswan/conf"
	"goswan/tests/testenv"
)

// TestLoaderFallsBackOnBadMagic plays a pluto of another version: it
// refuses the first message for its magic number, as pluto does, and
// answers the rest. The loader must then send the conn through the real
// whack, and say so once.
func TestLoaderFallsBackOnBadMagic(t *testing.T) {
	ls := testenv.MustHaveLibreswan(t)
	ctl := filepath.Join(t.TempDir(), "pluto.ctl")
	ln, err := net.Listen("unix", ctl)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var got [][]byte
	go func() {
		for i := 0; ; i++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(10 * time.Second))
			msg, _ := readWireMessage(bufio.NewReader(c))
			mu.Lock()
			got = append(got, msg)
			mu.Unlock()
			if i == 0 {
				c.Write([]byte("030 ignoring message from whack with bad magic 1; should be 2; Mismatched versions of userland tools.\n"))
			} else {
				c.Write([]byte("002 added IKEv2 connection \"a\"\n"))
			}
			c.Close()
		}
	}()
	var v conf.Values
	for _, kv := range [][2]string{{"left", "192.0.2.1"}, {"right", "192.0.2.2"}, {"authby", "secret"}} {
		v.Set(conf.Value{Keyword: kv[0], Raw: kv[1]})
	}
	c := &conf.Conn{Section: conf.Section{Name: "a", Values: v}}
	var out, errOut bytes.Buffer
	l := &Loader{Whack: &Whack{Path: ls.Whack, CtlSocket: ctl}, Env: fixedEnv, Out: &out, Err: &errOut, Prog: "ipsec auto"}
	if err := l.Add([]*conf.Conn{c}); err != nil {
		t.Fatalf("Add: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(errOut.String(), "refused the message format") {
		t.Errorf("no fallback notice; stderr %q", errOut.String())
	}
	if !strings.Contains(out.String(), `added IKEv2 connection "a"`) {
		t.Errorf("whack's reply not passed on; stdout %q", out.String())
	}
	mu.Lock()
	defer mu.Unlock()
	want, _ := AddMessages(c, fixedEnv)
	enc, _ := want[0].Encode()
	if len(got) != 2 || !bytes.Equal(got[0], enc) || bytes.Equal(got[1], enc) {
		t.Errorf("pluto got %d messages, want ours then whack's", len(got))
	}
}

// TestExpectedMagic reads the magic a refusing pluto names and the
// release it belongs to.
func TestExpectedMagic(t *testing.T) {
	for _, tc := range []struct {
		reply string
		magic uint32
		v     Version
	}{
		{"050 ignoring message from whack with bad magic 1869114161; should be 3654091882; Mismatched versions of userland tools.\n", 3654091882, V5_2},
		{"030 ignoring message from whack with bad magic 1; should be 2; Mismatched versions of userland tools.\n", 2, Version{}},
		{"002 added IKEv2 connection\n", 0, Version{}},
	} {
		m, _ := expectedMagic(tc.reply)
		if m != tc.magic || releaseByMagic[m] != tc.v {
			t.Errorf("expectedMagic(%q) = %d (release %v), want %d (%v)", tc.reply, m, releaseByMagic[m], tc.magic, tc.v)
		}
	}
}
