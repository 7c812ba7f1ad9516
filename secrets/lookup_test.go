package secrets

import (
	"testing"
)

func mustID(t *testing.T, s string) ID {
	t.Helper()
	id, err := ParseID(s, false)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestLookup(t *testing.T) {
	src := `: PSK "default-secret"
10.0.0.1 : PSK "me-alone"
10.0.0.1 10.0.0.2 : PSK "explicit"
10.0.0.1 10.0.0.9 10.0.0.8 : PSK "me-with-others"
10.0.0.1 %any : PSK "road-warrior"
@a @b : PSK "first-ab"
@b @a : PSK "second-ab-different"
@c @d : PSK "same"
@d @c : PSK "same"
@e : XAUTH "xauth-e"
`
	f, err := ParseSource(nil, "t.secrets", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		kind      Kind
		me, him   string
		want      string
		ambiguous bool
	}{
		{PSK, "10.0.0.1", "10.0.0.2", "explicit", false},
		{PSK, "10.0.0.2", "10.0.0.1", "explicit", false},
		{PSK, "10.0.0.1", "10.0.0.7", "me-alone", false},
		{PSK, "10.0.0.5", "10.0.0.7", "default-secret", false},
		{PSK, "10.0.0.1", "%any", "road-warrior", false},
		{PSK, "@a", "@b", "first-ab", true},
		{PSK, "@c", "@d", "same", false},
		{XAUTH, "@e", "%any", "xauth-e", false},
		{XAUTH, "@f", "%any", "", false},
	}
	for _, tc := range tests {
		e, amb := f.Lookup(tc.kind, mustID(t, tc.me), mustID(t, tc.him))
		got := ""
		if e != nil {
			got = string(e.Secret.Reveal())
		}
		if got != tc.want || amb != tc.ambiguous {
			t.Errorf("Lookup(%s, %s, %s) = %q, ambiguous %v; want %q, %v", tc.kind, tc.me, tc.him, got, amb, tc.want, tc.ambiguous)
		}
	}
}

// TestLookupRSAMeAmongOthers: for public-key kinds an entry naming me
// counts even when it lists other ids (more names of this host).
func TestLookupRSAMeAmongOthers(t *testing.T) {
	f := &File{Entries: []*Entry{
		{Kind: RSA, KeyFile: "/default.pem"},
		{Kind: RSA, KeyFile: "/named.pem", IDs: []ID{mustID(t, "@west"), mustID(t, "192.0.2.1")}},
	}}
	e, _ := f.Lookup(RSA, mustID(t, "@west"), mustID(t, "@east"))
	if e == nil || e.KeyFile != "/named.pem" {
		t.Errorf("Lookup(RSA, @west) = %+v, want the named key", e)
	}
	g := &File{Entries: []*Entry{
		{Kind: PSK, Secret: NewSecret([]byte("d"))},
		{Kind: PSK, Secret: NewSecret([]byte("n")), IDs: []ID{mustID(t, "@west"), mustID(t, "192.0.2.1")}},
	}}
	if e, _ := g.Lookup(PSK, mustID(t, "@west"), mustID(t, "@east")); e == nil || string(e.Secret.Reveal()) != "d" {
		t.Errorf("PSK naming me among others must not beat the default")
	}
}

func TestIDEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"@Example.COM", "@example.com.", true},
		{"@a", "a@b", false},
		{"u@Example.com", "u@example.com", true},
		{"U@example.com", "u@example.com", false},
		{"C=CA, O=Ex,CN=h", "c=CA,O=Ex, CN=h", true},
		{"%any", "0.0.0.0", true},
		{"%any", "%any6", false},
		{"2001:db8::1", "2001:DB8:0::1", true},
	}
	for _, tc := range tests {
		if got := mustID(t, tc.a).Equal(mustID(t, tc.b)); got != tc.want {
			t.Errorf("ID(%q).Equal(%q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestSecretRedacts(t *testing.T) {
	s := NewSecret([]byte("MARKER"))
	for _, out := range []string{s.String(), s.GoString(), sprintf("%v %+v %#v %s %q %x %X %d", s, s, s, s, s, s, s, s)} {
		if containsMarker(out) {
			t.Errorf("Secret formatted as %q", out)
		}
	}
	e := &Entry{Secret: s}
	if out := sprintf("%v %+v %#v", e, *e, e); containsMarker(out) {
		t.Errorf("Entry formatted as %q", out)
	}
}
