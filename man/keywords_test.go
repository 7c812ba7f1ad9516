package man

import (
	"strings"
	"testing"
)

func TestKeywordSection(t *testing.T) {
	tests := []struct {
		name    string
		tsv     string
		want    []string // lines the output must contain
		wantErr string
	}{
		{
			name: "pair with values and note",
			tsv:  "leftauth\tconn\tyes\tenum\trsasig secret\tcurrent\t\tLS: see FS2 docs\n",
			want: []string{
				`.SS "conn: Keywords Libreswan 4.10 knows"`,
				`\fBleftauth\fR=\fIenum\fR, \fBrightauth\fR=\fIenum\fR`,
				`Values: \fBrsasig\fR, \fBsecret\fR.`,
				`Libreswan 4.10: see FreeS/WAN 2 docs.`,
			},
		},
		{
			name: "alias of a pair keyword names both ends",
			tsv:  "leftxauthusername\tconn\tyes\tstring\t\talias\tleftusername\t\n",
			want: []string{`Alias of \fBleftusername\fR, \fBrightusername\fR.`},
		},
		{
			name: "legacy mapped, hyphens and backslashes escaped, leading dot guarded",
			tsv:  "keep_alive\tsetup\tno\tint\t\tlegacy\tkeep-alive\t.a\\b\n",
			want: []string{
				`.SS "config setup: Obsolete, FreeS/WAN and Openswan keywords"`,
				`Read as \fBkeep\-alive\fR, with a warning.`,
				`\&.a\eb.`,
			},
		},
		{name: "unknown type", tsv: "x\tconn\tno\tblob\t\tcurrent\t\t\n", wantErr: `keywords.tsv:1: unknown type "blob"`},
		{name: "unknown status", tsv: "x\tconn\tno\tbool\t\tmaybe\t\t\n", wantErr: `keywords.tsv:1: unknown status "maybe"`},
		{name: "wrong columns", tsv: "# c\nx\tconn\n", wantErr: "keywords.tsv:2: 2 columns, want 8"},
		{name: "duplicate", tsv: "x\tconn\tno\tbool\t\tcurrent\t\t\nx\tconn\tno\tbool\t\tcurrent\t\t\n", wantErr: `keywords.tsv:2: duplicate keyword "x"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := KeywordSection(strings.NewReader(tc.tsv))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("KeywordSection(%q) error = %v, want %q", tc.tsv, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("KeywordSection(%q) = %v", tc.tsv, err)
			}
			lines := strings.Split(string(out), "\n")
			for _, w := range tc.want {
				found := false
				for _, l := range lines {
					found = found || l == w
				}
				if !found {
					t.Errorf("KeywordSection(%q) has no line %q:\n%s", tc.tsv, w, out)
				}
			}
		})
	}
}

func TestSplice(t *testing.T) {
	page := ".TH X 5\n" + BeginMarker + "\nold\n" + EndMarker + "\n.SH EXAMPLES\n"
	section := []byte(BeginMarker + "\nnew\n" + EndMarker + "\n")
	out, err := Splice([]byte(page), section)
	if err != nil {
		t.Fatal(err)
	}
	want := ".TH X 5\n" + BeginMarker + "\nnew\n" + EndMarker + "\n.SH EXAMPLES\n"
	if string(out) != want {
		t.Errorf("Splice = %q, want %q", out, want)
	}
	got, err := Generated(out)
	if err != nil || string(got) != string(section) {
		t.Errorf("Generated(Splice(...)) = %q, %v, want %q", got, err, section)
	}
	if _, err := Splice([]byte(".TH X 5\n"), section); err == nil {
		t.Error("Splice of a page without markers: no error")
	}
}

// TestPagesEmbedded checks that the embedded pages are the ones on disk
// that make install copies.
func TestPagesEmbedded(t *testing.T) {
	for _, name := range []string{"ipsec.8", "ipsec.conf.5"} {
		if _, err := Pages.ReadFile(name); err != nil {
			t.Errorf("Pages.ReadFile(%q): %v", name, err)
		}
	}
}
