package token

import "testing"

func TestPositionString(t *testing.T) {
	tests := []struct {
		name string
		pos  Position
		want string
	}{
		{"full", Position{"ipsec.conf", 12, 5}, "ipsec.conf:12:5"},
		{"no column", Position{"ipsec.conf", 12, 0}, "ipsec.conf:12"},
		{"file only", Position{"ipsec.conf", 0, 0}, "ipsec.conf"},
		{"nothing", Position{}, "-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.pos.String(); got != tc.want {
				t.Errorf("Position%+v.String() = %q, want %q", tc.pos, got, tc.want)
			}
		})
	}
}

func TestErrorListSortedOnePerLine(t *testing.T) {
	var l ErrorList
	if l.Err() != nil {
		t.Fatalf("empty ErrorList.Err() = %v, want nil", l.Err())
	}
	l.Add(Position{"b.conf", 1, 1}, "second file")
	l.Add(Position{"a.conf", 9, 2}, "later line")
	l.Add(Position{"a.conf", 3, 7}, "earlier line")
	l.Add(Position{"a.conf", 3, 7}, "earlier line")
	l.RemoveMultiples()
	want := "a.conf:3:7: earlier line\na.conf:9:2: later line\nb.conf:1:1: second file"
	if got := l.Err().Error(); got != want {
		t.Errorf("ErrorList.Error() =\n%s\nwant\n%s", got, want)
	}
}

func TestSuggest(t *testing.T) {
	words := []string{"leftsubnet", "rightsubnet", "leftsubnets", "auto", "authby"}
	tests := []struct{ in, want string }{
		{"lefftsubnet", "leftsubnet"},
		{"leftsbunet", "leftsubnet"},
		{"autho", "auto"},
		{"frobnicate", ""},
	}
	for _, tc := range tests {
		if got := Suggest(tc.in, words); got != tc.want {
			t.Errorf("Suggest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
