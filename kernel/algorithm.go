package kernel

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// cipher describes an ESP encryption algorithm: the kernel name and the key
// lengths it takes. Combined-mode (AEAD) ciphers carry an ICV length and a
// salt that the kernel expects appended to the key (RFC 4106, 4309, 7634).
type cipher struct {
	kernel   string
	keyBits  []int // accepted key lengths, without salt
	saltBits int
	icvBits  int // > 0 for AEAD
}

// integ describes an authentication algorithm (ESP integrity or AH).
type integ struct {
	kernel    string
	keyBits   int
	truncBits int
}

var ciphers = map[string]cipher{
	"3des":              {kernel: "cbc(des3_ede)", keyBits: []int{192}},
	"aes":               {kernel: "cbc(aes)", keyBits: []int{128, 192, 256}},
	"aes_cbc":           {kernel: "cbc(aes)", keyBits: []int{128, 192, 256}},
	"aes_ctr":           {kernel: "rfc3686(ctr(aes))", keyBits: []int{128, 192, 256}, saltBits: 32},
	"aes_gcm":           {kernel: "rfc4106(gcm(aes))", keyBits: []int{128, 192, 256}, saltBits: 32, icvBits: 128},
	"aes_gcm_16":        {kernel: "rfc4106(gcm(aes))", keyBits: []int{128, 192, 256}, saltBits: 32, icvBits: 128},
	"aes_gcm_12":        {kernel: "rfc4106(gcm(aes))", keyBits: []int{128, 192, 256}, saltBits: 32, icvBits: 96},
	"aes_gcm_8":         {kernel: "rfc4106(gcm(aes))", keyBits: []int{128, 192, 256}, saltBits: 32, icvBits: 64},
	"aes_ccm":           {kernel: "rfc4309(ccm(aes))", keyBits: []int{128, 192, 256}, saltBits: 24, icvBits: 128},
	"aes_ccm_16":        {kernel: "rfc4309(ccm(aes))", keyBits: []int{128, 192, 256}, saltBits: 24, icvBits: 128},
	"aes_ccm_12":        {kernel: "rfc4309(ccm(aes))", keyBits: []int{128, 192, 256}, saltBits: 24, icvBits: 96},
	"aes_ccm_8":         {kernel: "rfc4309(ccm(aes))", keyBits: []int{128, 192, 256}, saltBits: 24, icvBits: 64},
	"camellia":          {kernel: "cbc(camellia)", keyBits: []int{128, 192, 256}},
	"chacha20_poly1305": {kernel: "rfc7539esp(chacha20,poly1305)", keyBits: []int{256}, saltBits: 32, icvBits: 128},
}

// refused are algorithms the kernel accepts but that give no or broken
// protection; manual keys are long-lived, which makes them worse.
var refused = map[string]string{
	"null":     "null encryption sends the data in clear",
	"esp_null": "null encryption sends the data in clear",
	"des":      "single DES has a 56-bit key and is broken",
	"1des":     "single DES has a 56-bit key and is broken",
}

var integs = map[string]integ{
	"md5":      {kernel: "hmac(md5)", keyBits: 128, truncBits: 96},
	"sha1":     {kernel: "hmac(sha1)", keyBits: 160, truncBits: 96},
	"sha":      {kernel: "hmac(sha1)", keyBits: 160, truncBits: 96},
	"sha2":     {kernel: "hmac(sha256)", keyBits: 256, truncBits: 128},
	"sha256":   {kernel: "hmac(sha256)", keyBits: 256, truncBits: 128},
	"sha2_256": {kernel: "hmac(sha256)", keyBits: 256, truncBits: 128},
	"sha384":   {kernel: "hmac(sha384)", keyBits: 384, truncBits: 192},
	"sha2_384": {kernel: "hmac(sha384)", keyBits: 384, truncBits: 192},
	"sha512":   {kernel: "hmac(sha512)", keyBits: 512, truncBits: 256},
	"sha2_512": {kernel: "hmac(sha512)", keyBits: 512, truncBits: 256},
	"aes_xcbc": {kernel: "xcbc(aes)", keyBits: 128, truncBits: 96},
}

// ESPAlg is a parsed esp= value: a cipher with an integrity algorithm, or a
// combined-mode cipher alone.
type ESPAlg struct {
	Spec    string // as written
	cipher  cipher
	encBits int // key length the spec fixes (aes256), 0 when any allowed
	integ   *integ
}

// AHAlg is a parsed ah= value.
type AHAlg struct {
	Spec  string
	integ integ
}

// ParseESP reads an esp= algorithm: FreeS/WAN's names (3des-md5-96,
// 3des-sha1-96) and Libreswan's (aes128-sha1, aes256-sha2_256, aes_gcm128,
// chacha20_poly1305). Encryption without authentication and null or single
// DES encryption are refused.
func ParseESP(spec string) (ESPAlg, error) {
	s := strings.ToLower(strings.TrimSpace(spec))
	if strings.ContainsAny(s, ",;") || strings.Contains(s, "modp") || strings.Contains(s, "dh") {
		return ESPAlg{}, fmt.Errorf("esp=%q: give one algorithm; a DH group or a proposal list means nothing to manual keying", spec)
	}
	encText, integText, _ := strings.Cut(s, "-")
	name, bits := splitBits(encText)
	if why, bad := refused[name]; bad {
		return ESPAlg{}, fmt.Errorf("esp=%q refused: %s", spec, why)
	}
	c, ok := ciphers[name]
	if !ok {
		return ESPAlg{}, fmt.Errorf("esp=%q: unknown encryption algorithm %q (known: %s)", spec, encText, strings.Join(cipherNames(), ", "))
	}
	if bits != 0 && !containsInt(c.keyBits, bits) {
		return ESPAlg{}, fmt.Errorf("esp=%q: %s takes a %s-bit key, not %d", spec, name, joinInts(c.keyBits), bits)
	}
	alg := ESPAlg{Spec: spec, cipher: c, encBits: bits}
	integText = strings.TrimPrefix(integText, "hmac-")
	switch {
	case integText == "" || integText == "null" || integText == "none":
		if c.icvBits == 0 {
			return ESPAlg{}, fmt.Errorf("esp=%q refused: encryption without authentication can be forged; add an integrity algorithm (e.g. %s-sha2_256) or use aes_gcm", spec, encText)
		}
	case c.icvBits > 0:
		return ESPAlg{}, fmt.Errorf("esp=%q: %s authenticates by itself; drop %q", spec, name, integText)
	default:
		in, err := lookupInteg(integText)
		if err != nil {
			return ESPAlg{}, fmt.Errorf("esp=%q: %w", spec, err)
		}
		alg.integ = &in
	}
	return alg, nil
}

// ParseAH reads an ah= algorithm: hmac-md5-96, hmac-sha1-96 (FreeS/WAN) or
// md5, sha1, sha2_256 ... (Libreswan).
func ParseAH(spec string) (AHAlg, error) {
	s := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(spec)), "hmac-")
	in, err := lookupInteg(s)
	if err != nil {
		return AHAlg{}, fmt.Errorf("ah=%q: %w", spec, err)
	}
	return AHAlg{Spec: spec, integ: in}, nil
}

func lookupInteg(s string) (integ, error) {
	// FreeS/WAN wrote the truncation into the name (md5-96); it must be
	// the length the kernel will use.
	name, trunc, hasTrunc := strings.Cut(s, "-")
	in, ok := integs[name]
	if !ok {
		if name == "null" || name == "none" {
			return integ{}, fmt.Errorf("null authentication refused")
		}
		names := make([]string, 0, len(integs))
		for n := range integs {
			names = append(names, n)
		}
		sort.Strings(names)
		return integ{}, fmt.Errorf("unknown authentication algorithm %q (known: %s)", s, strings.Join(names, ", "))
	}
	if hasTrunc {
		n, err := strconv.Atoi(trunc)
		if err != nil || n != in.truncBits {
			return integ{}, fmt.Errorf("%s is truncated to %d bits, not %q", name, in.truncBits, trunc)
		}
	}
	return in, nil
}

// EncKeyBits lists the encryption key lengths (including any salt) the
// algorithm accepts.
func (a ESPAlg) EncKeyBits() []int {
	if a.encBits != 0 {
		return []int{a.encBits + a.cipher.saltBits}
	}
	out := make([]int, len(a.cipher.keyBits))
	for i, b := range a.cipher.keyBits {
		out[i] = b + a.cipher.saltBits
	}
	return out
}

// AEAD reports whether the cipher authenticates by itself.
func (a ESPAlg) AEAD() bool { return a.cipher.icvBits > 0 }

// AuthKeyBits is the integrity key length, 0 for AEAD.
func (a ESPAlg) AuthKeyBits() int {
	if a.integ == nil {
		return 0
	}
	return a.integ.keyBits
}

// KeyBits is the AH key length.
func (a AHAlg) KeyBits() int { return a.integ.keyBits }

// CheckEncKey checks an ESP encryption key's length; keyword names it in
// the message.
func (a ESPAlg) CheckEncKey(keyword string, k Key) error {
	want := a.EncKeyBits()
	if containsInt(want, k.Bits()) {
		return nil
	}
	msg := fmt.Sprintf("%s is %d bits, %s needs %s", keyword, k.Bits(), a.Spec, joinInts(want))
	if a.cipher.saltBits > 0 {
		msg += fmt.Sprintf(" (key + %d-bit salt)", a.cipher.saltBits)
	}
	return fmt.Errorf("%s", msg)
}

// CheckAuthKey checks an ESP integrity key's length.
func (a ESPAlg) CheckAuthKey(keyword string, k Key) error {
	if k.Bits() != a.integ.keyBits {
		return fmt.Errorf("%s is %d bits, %s needs %d", keyword, k.Bits(), a.Spec, a.integ.keyBits)
	}
	return nil
}

// CheckKey checks an AH key's length.
func (a AHAlg) CheckKey(keyword string, k Key) error {
	if k.Bits() != a.integ.keyBits {
		return fmt.Errorf("%s is %d bits, %s needs %d", keyword, k.Bits(), a.Spec, a.integ.keyBits)
	}
	return nil
}

// algos builds the kernel algorithms of one ESP SA.
func (a ESPAlg) algos(enc, auth Key) (encAlgo, authAlgo, aead *Algo) {
	if a.AEAD() {
		return nil, nil, &Algo{Name: a.cipher.kernel, Key: enc, Bits: a.cipher.icvBits}
	}
	return &Algo{Name: a.cipher.kernel, Key: enc},
		&Algo{Name: a.integ.kernel, Key: auth, Bits: a.integ.truncBits}, nil
}

func (a AHAlg) algo(k Key) *Algo {
	return &Algo{Name: a.integ.kernel, Key: k, Bits: a.integ.truncBits}
}

// splitBits splits a trailing key size off a cipher name: aes256 → aes,
// 256; aes_gcm_16_128 → aes_gcm_16, 128; 3des stays whole.
func splitBits(s string) (string, int) {
	if _, whole := ciphers[s]; whole {
		return s, 0
	}
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	if i == len(s) || i == 0 {
		return s, 0
	}
	n, err := strconv.Atoi(s[i:])
	if err != nil || n < 64 {
		return s, 0 // aes_gcm_16 ends in its ICV length, not a key size
	}
	return strings.TrimSuffix(s[:i], "_"), n
}

func cipherNames() []string {
	out := make([]string, 0, len(ciphers))
	for n := range ciphers {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	switch len(parts) {
	case 1:
		return parts[0]
	case 2:
		return parts[0] + " or " + parts[1]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}
