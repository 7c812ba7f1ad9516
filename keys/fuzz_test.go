package keys

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// FuzzRSASigKey: the key text decoder never panics, and a key it accepts
// prints back in the 0s form that decodes to the same key.
func FuzzRSASigKey(f *testing.F) {
	for _, name := range []string{"west.pem", "east.pem", "fs1024e3.pem"} {
		k := loadKey(f, name)
		s, _ := RSASigKey(&k.PublicKey)
		h, _ := RSASigKeyHex(&k.PublicKey)
		f.Add(s)
		f.Add(h)
		f.Add(s[2:])
	}
	f.Add("0x0103")
	f.Add("0s")
	f.Fuzz(func(t *testing.T, s string) {
		pub, err := ParseRSASigKey(s)
		if err != nil {
			return
		}
		text, err := RSASigKey(pub)
		if err != nil {
			t.Fatalf("accepted key does not print: %v", err)
		}
		back, err := ParseRSASigKey(text)
		if err != nil || !back.Equal(pub) {
			t.Fatalf("round trip of %q failed: %v", text, err)
		}
	})
}

// FuzzTextToData: no panic; hex and base64 data that decode re-encode to
// the same bytes.
func FuzzTextToData(f *testing.F) {
	for _, s := range []string{"0x4142_4344", "0sQUJD", "0tabc", "0x", "0sQU==", "0X_"} {
		f.Add(s)
	}
	if b, err := os.ReadFile("testdata/west.secrets"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if _, v, ok := strings.Cut(l, ": "); ok {
				f.Add(v)
			}
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := TextToData(s)
		if err != nil || len(s) < 2 {
			return
		}
		var again string
		switch s[1] {
		case 'x', 'X':
			again = DataToText(b, FormatHexPlain)
		case 's', 'S':
			again = DataToText(b, FormatBase64)
		default:
			return
		}
		if back, err := TextToData(again); err != nil || !bytes.Equal(back, b) {
			t.Fatalf("%q decoded to %x, which does not survive %q", s, b, again)
		}
	})
}
