package secrets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCensor(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"psk quoted", `a b : PSK "jxTR1lnmSjuj33n4"`, `a b : PSK "[censored 16 chars]"`},
		{"psk hex", "@h : PSK 0x0123", "@h : PSK [censored 6 chars]"},
		{"0t to end of line", "@t : PSK 0tab cd  ", "@t : PSK [censored 7 chars]"},
		{"xauth", `@u : XAUTH "pw'x"`, `@u : XAUTH "[censored 4 chars]"`},
		{"colon split", `@a: PSK "xy"`, `@a: PSK "[censored 2 chars]"`},
		{"ipv6 index", `2001:db8::1 : PSK "xy"`, `2001:db8::1 : PSK "[censored 2 chars]"`},
		{"dn index kept", `"CN=a" : PSK "xy"`, `"CN=a" : PSK "[censored 2 chars]"`},
		{"ppks keeps id", `: PPKS "id" "ppk"`, `: PPKS "id" "[censored 3 chars]"`},
		{"rsa file", `: RSA k.pem "pw"`, `: RSA k.pem "[censored 2 chars]"`},
		{"rsa prompt", `: RSA k.pem %prompt`, `: RSA k.pem %prompt`},
		{"include", "include /etc/ipsec.d/*.secrets", "include /etc/ipsec.d/*.secrets"},
		{"continued", "@c :\n\tPSK \"xy\"\n", "@c :\n\tPSK \"[censored 2 chars]\"\n"},
		{"new record resets", "@a : PSK \"xy\"\n@b 10.0.0.1 : PSK \"z\"", "@a : PSK \"[censored 2 chars]\"\n@b 10.0.0.1 : PSK \"[censored 1 char]\""},
		{"rsa block", ": RSA {\n\tModulus: 0xab\n\t}\n", ": RSA {\n\tModulus: [censored 4 chars]\n\t}\n"},
		{"pubkey", "\t#pubkey=0sAQOCx08CfXYZ", "\t#pubkey=[keyid AQOCx08Cf]"},
		{"in key", "\t#IN KEY 0x4200 4 1 AQOCx08CfXYZ", "\t#IN KEY 0x4200 4 1 [keyid AQOCx08Cf]"},
		{"plain comment", "# do not change the indenting of that \"}\"", "# do not change the indenting of that \"[censored 1 char]\""},
		{"ckaid kept", "\t#ckaid=0123abcd", "\t#ckaid=0123abcd"},
		{"crlf", "@a : PSK \"xy\"\r\n", "@a : PSK \"[censored 2 chars]\"\r\n"},
		{"unterminated", `@a : PSK "xyz`, `@a : PSK "[censored 3 chars]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(Censor([]byte(tc.in))); got != tc.want {
				t.Errorf("Censor(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestCensorMarkers plants a marker in every kind of secret and checks that
// none survives, and that the censored file matches its golden.
func TestCensorMarkers(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "censor", "planted.secrets"))
	if err != nil {
		t.Fatal(err)
	}
	got := Censor(src)
	for i, l := range strings.Split(string(got), "\n") {
		if strings.Contains(l, "MARK") {
			t.Errorf("line %d leaks a planted secret: %q", i+1, l)
		}
	}
	for _, keep := range []string{"PPK_ID_1", "key.pem", "%prompt", "include /etc/ipsec.d/*.secrets", "C=CA, O=Example", "[keyid AQOFppfeE]", "Modulus:", "# everything after this point is secret"} {
		if !strings.Contains(string(got), keep) {
			t.Errorf("censored file lost %q", keep)
		}
	}
	golden(t, filepath.Join("censor", "planted.golden"), got)
}

func TestCensorConfig(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"espenckey", "\tespenckey=0x0123456789abcdef", "\tespenckey=[censored 18 chars]"},
		{"left form with comment", "  leftespauthkey = 0xaabb # old", "  leftespauthkey = [censored 6 chars] # old"},
		{"ahkey quoted", "\tahkey=\"0xaabb\"", "\tahkey=\"[censored 6 chars]\""},
		{"commented out", "#\tespauthkey=0xaabb", "#\tespauthkey=[censored 6 chars]"},
		{"percent kept", "\tespenckey=%none", "\tespenckey=%none"},
		{"rsasigkey condensed", "\tleftrsasigkey=0sAQOCx08CfXYZ", "\tleftrsasigkey=[keyid AQOCx08Cf]"},
		{"dns sigkey kept", "\trightrsasigkey=%dnsondemand", "\trightrsasigkey=%dnsondemand"},
		{"other keywords kept", "\tleft=192.0.2.1\n\tspi=0x200\n", "\tleft=192.0.2.1\n\tspi=0x200\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(CensorConfig([]byte(tc.in))); got != tc.want {
				t.Errorf("CensorConfig(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("output differs from %s (run with -update after review):\n%s", path, got)
	}
}

// FuzzCensor checks that a planted secret never survives the censor,
// whatever surrounds it, and that the censor never panics.
func FuzzCensor(f *testing.F) {
	if src, err := os.ReadFile(filepath.Join("testdata", "censor", "planted.secrets")); err == nil {
		f.Add(string(src), "s3cr3tMARK")
	}
	f.Add("@a : PSK \"x\"\n", "s3cr3tMARK")
	f.Add(": RSA {\n\tPrime1: 0x01\n\t}\n", "0xABCDEF0123")
	f.Fuzz(func(t *testing.T, prefix, secret string) {
		if len(secret) < 6 || strings.ContainsAny(secret, "\"\n\r \t'`#") {
			return
		}
		// Only a prefix ending at a record boundary makes the next line a
		// fresh entry.
		if prefix != "" && !strings.HasSuffix(prefix, "\n") {
			prefix += "\n"
		}
		for _, entry := range []string{
			"@x : PSK \"" + secret + "\"\n",
			"@x : XAUTH " + secret + "\n",
			": RSA {\n\tPrivateExponent: " + secret + "\n\t}\n",
			"@x : PPKS \"id\" \"" + secret + "\"\n",
		} {
			in := prefix + entry
			out := Censor([]byte(in))
			if strings.Contains(string(out[len(Censor([]byte(prefix))):]), secret) {
				t.Fatalf("Censor leaks %q in entry %q after prefix %q", secret, entry, prefix)
			}
		}
		_ = CensorConfig([]byte(prefix))
	})
}

func BenchmarkCensor(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("testdata", "censor", "planted.secrets"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		Censor(src)
	}
}

// FuzzCensorAgainstParser: every token the parser holds as secret (an
// entry's Spans) is gone from the censored text, whatever the input. The
// two read the file independently, so this checks one against the other.
// Only tokens of 6 bytes or more that occur once in the input are checked:
// a shorter or repeated text may rightly stay elsewhere (an index, a comment).
func FuzzCensorAgainstParser(f *testing.F) {
	for _, pattern := range []string{"testdata/*.secrets", "testdata/errors/*.secrets", "testdata/censor/*.secrets"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		fl, _ := ParseSource(nil, "f.secrets", src)
		if fl == nil {
			return
		}
		lines := strings.SplitAfter(string(src), "\n")
		out := string(Censor(src))
		for _, e := range fl.Entries {
			for _, sp := range e.Spans {
				if sp.Pos.Line < 1 || sp.Pos.Line > len(lines) {
					continue
				}
				l := lines[sp.Pos.Line-1]
				start := sp.Pos.Column - 1
				if start < 0 || start+sp.Len > len(l) || sp.Len < 6 {
					continue
				}
				tok := l[start : start+sp.Len]
				if strings.Count(string(src), tok) != 1 {
					continue
				}
				if strings.Contains(out, tok) {
					t.Fatalf("secret %q (line %d) survives the censor:\n%s", tok, sp.Pos.Line, out)
				}
			}
		}
	})
}

func TestSecretValuesAndScrub(t *testing.T) {
	src := []byte("@a : PSK \"pskvalue1\"\n@b : PSK 0x0123_4567_89ab\n@c : PSK 0tplain text\n# @d : PSK \"oldsecret\"\n")
	vals := SecretValues(src)
	want := []string{"pskvalue1", "0x0123_4567_89ab", "0tplain text", "oldsecret"}
	if strings.Join(vals, "|") != strings.Join(want, "|") {
		t.Errorf("SecretValues = %q, want %q", vals, want)
	}
	conf := []byte("conn m\n\tespenckey=0xAABB_CCDD_EEFF\n\tahkey=\"0x1122334455\"\n")
	cvals := ConfigSecretValues(conf)
	if strings.Join(cvals, "|") != "0xAABB_CCDD_EEFF|0x1122334455" {
		t.Errorf("ConfigSecretValues = %q", cvals)
	}
	block := SecretValues([]byte(": RSA {\n\tModulus: 0xabcdef0123\n\tPublicExponent: 0x010001\n\tPrime1: 0x1234567890\n\t}\n"))
	if strings.Join(block, "|") != "0x1234567890" {
		t.Errorf("SecretValues(RSA block) = %q, want only the private field", block)
	}
	log := "pluto: using pskvalue1\n\tenc cbc(des3_ede) 0xaabbccddeeff\nplain text here\nkeep abc\n"
	got := string(Scrub([]byte(log), append(vals, cvals...)))
	wantLog := "pluto: using [censored 9 chars]\n\tenc cbc(des3_ede) 0x[censored 12 chars]\n[censored 10 chars] here\nkeep abc\n"
	if got != wantLog {
		t.Errorf("Scrub =\n%q, want\n%q", got, wantLog)
	}
}
