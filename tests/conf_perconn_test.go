package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestErrorsPerConn runs every applet that reads ipsec.conf on a file that
// mixes good conns with a bad config setup value, a bad %default value
// (overridden by all but one conn), a name defined twice, a bad subnet, a
// dangling also= in an auto=ignore conn, a bad value in an also= fragment
// used by two conns and an unknown keyword. The good conns are printed,
// listed and loaded; each unusable conn is reported at FILE:LINE:COL; the
// exit status is 1 where something was skipped and 0 for a named good conn.
// The whole transcript is testdata/perconn/transcript.golden.
func TestErrorsPerConn(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", "perconn", "ipsec.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ipsec.conf"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"IPSEC_CONFS=" + dir}
	cases := []struct {
		args       []string
		wantStatus int
	}{
		{[]string{"readwriteconf"}, 1},
		{[]string{"addconn", "--checkconfig"}, 1},
		{[]string{"addconn", "--listadd"}, 1},
		{[]string{"addconn", "--listroute"}, 1},
		{[]string{"auto", "--showonly", "--add", "good"}, 0},
		{[]string{"auto", "--showonly", "--add", "good", "later"}, 0},
		{[]string{"auto", "--showonly", "--add", "good", "badsubnet", "user1"}, 1},
		{[]string{"auto", "--showonly", "--add", "dangling"}, 1},
		{[]string{"auto", "--showonly", "--addall"}, 1},
	}
	var b strings.Builder
	for _, tc := range cases {
		out, errs, status := ipsec(t, env, "ipsec", tc.args...)
		if status != tc.wantStatus {
			t.Errorf("ipsec %s: exit %d, want %d\n%s", strings.Join(tc.args, " "), status, tc.wantStatus, errs)
		}
		clean := func(s string) string { return strings.ReplaceAll(s, dir+"/", "") }
		fmt.Fprintf(&b, "$ ipsec %s\n%s", strings.Join(tc.args, " "), clean(out))
		for _, l := range strings.SplitAfter(clean(errs), "\n") {
			if l != "" {
				b.WriteString("stderr: " + l)
			}
		}
		fmt.Fprintf(&b, "exit %d\n\n", status)
	}
	golden := filepath.Join("testdata", "perconn", "transcript.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if b.String() != string(want) {
		t.Errorf("transcript differs from %s (-update after checking):\n%s", golden, b.String())
	}
}
