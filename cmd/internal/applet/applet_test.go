package applet

import (
	"bytes"
	"errors"
	"testing"

	"goswan/conf/token"
)

func TestReport(t *testing.T) {
	var list token.ErrorList
	list.Add(token.Position{Filename: "ipsec.conf", Line: 3, Column: 5}, `unknown keyword "x"`)
	list.Add(token.Position{Filename: "ipsec.conf", Line: 9, Column: 1}, `bad`)
	tests := []struct {
		name       string
		err        error
		wantOut    string
		wantStatus int
	}{
		{"nil", nil, "", 0},
		{"plain", errors.New("boom"), "ipsec x: boom\n", 1},
		{"usage", Usagef("missing BITS"), "ipsec x: missing BITS\n", 2},
		{"exit code", Exit(3, errors.New("not running")), "ipsec x: not running\n", 3},
		{"silent exit", Exit(3, nil), "", 3},
		{"positioned", list, "ipsec.conf:3:5: unknown keyword \"x\"\nipsec.conf:9:1: bad\n", 1},
		{"positioned wrapped exit", Exit(4, list.Err()), "ipsec.conf:3:5: unknown keyword \"x\"\nipsec.conf:9:1: bad\n", 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if got := Report(&b, "x", tc.err); got != tc.wantStatus {
				t.Errorf("Report status = %d, want %d", got, tc.wantStatus)
			}
			if b.String() != tc.wantOut {
				t.Errorf("Report output = %q, want %q", b.String(), tc.wantOut)
			}
		})
	}
}
