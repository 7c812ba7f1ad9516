package keys

import (
	"bytes"
	"errors"
	"testing"
)

func TestDataToText(t *testing.T) {
	b := []byte{0xaf, 0x9c, 0x88, 0x00, 0xd7}
	tests := []struct {
		format int
		want   string
	}{
		{FormatHex, "0xaf9c8800_d7"},
		{FormatHexPlain, "0xaf9c8800d7"},
		{FormatHexColon, "af:9c:88:00:d7"},
		{FormatBase64, "0sr5yIANc="},
		{FormatBase64Bare, "r5yIANc="},
		{FormatHexBare, "af9c8800d7"},
	}
	for _, tc := range tests {
		if got := DataToText(b, tc.format); got != tc.want {
			t.Errorf("DataToText(%x, %d) = %q, want %q", b, tc.format, got, tc.want)
		}
		if tc.format == FormatHexColon || tc.format == FormatHexBare || tc.format == FormatBase64Bare {
			continue
		}
		back, err := TextToData(tc.want)
		if err != nil || !bytes.Equal(back, b) {
			t.Errorf("TextToData(%q) = %x, %v; want %x", tc.want, back, err, b)
		}
	}
	if got := DataToText([]byte{1, 2, 3, 4}, FormatHex); got != "0x01020304" {
		t.Errorf("no trailing separator: got %q", got)
	}
	if got := DataToText(nil, FormatHex); got != "" {
		t.Errorf("empty data printed as %q", got)
	}
}

func TestTextToData(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  error
	}{
		{"0x41", "A", nil},
		{"0X4142_4344", "ABCD", nil},
		{"0tplain text", "plain text", nil},
		{"0sQUJD", "ABC", nil},
		{"0SQUI=", "AB", nil},
		{"0", "", ErrTooShort},
		{"xy", "", ErrNoPrefix},
		{"0q12", "", ErrUnknownBase},
		{"0x", "", ErrNoData},
		{"0xABC", "", ErrMidByte},
		{"0xAG", "", ErrHexChar},
		{"0x_41", "", ErrUnderscore},
		{"0x41_", "", ErrUnderscore},
		{"0x41__42", "", ErrUnderscore},
		{"0x4_1", "", ErrMidByte},
		{"0sQUJ", "", ErrBase64Length},
		{"0sQUJ=QUJD", "", ErrBase64Char},
		{"0sQUJ?", "", ErrBase64Char},
		{"0sQUF=", "", ErrBadPadding},
	}
	for _, tc := range tests {
		got, err := TextToData(tc.in)
		if !errors.Is(err, tc.err) || (err == nil && string(got) != tc.want) {
			t.Errorf("TextToData(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}
