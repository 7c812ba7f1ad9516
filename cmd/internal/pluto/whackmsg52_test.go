package pluto

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"goswan/conf"
	"goswan/tests/testenv"
)

// string52Slots are the offsets of the pointers 5.2's pickle.c packs as
// string lengths.
var string52Slots = func() []int {
	s := []int{off52Name, off52KeyID, off52IKE, off52ESP, off52Connalias, off52DNSHostname,
		off52ModecfgDNS, off52ModecfgDomains, off52ModecfgBanner, off52Mark, off52MarkIn,
		off52MarkOut, off52VTIInterface, off52IPsecInterface, off52RemoteHost, off52PPKIDs,
		off52GlobalRedirectTo, off52RedirectTo, off52AcceptRedirectTo, off52SecLabel,
		off52DPDTimeout, off52DPDDelay}
	for _, end := range []int{off52Left, off52Right} {
		for _, f := range []int{end52ID, end52Cert, end52Pubkey, end52CKAID, end52CA, end52Groups,
			end52Updown, end52Virt, end52XauthUsername, end52HostAddrName, end52InterfaceIP,
			end52AddressPool, end52Subnet, end52Subnets, end52SourceIP, end52Groundhog} {
			s = append(s, end+f)
		}
	}
	return s
}()

// readRest52 reads the packed strings and key of a 5.2 message whose
// fixed part has been read.
func readRest52(r *bufio.Reader, msg []byte) ([]byte, error) {
	head := make([]byte, msg52FixedSize-len(msg))
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, err
	}
	msg = append(msg, head...)
	n := binary.LittleEndian.Uint64(msg[off52KeyvalLen:])
	for _, off := range string52Slots {
		n += binary.LittleEndian.Uint64(msg[off:])
	}
	if n > msg52StringRoom {
		return nil, fmt.Errorf("5.2 message claims %d bytes of strings", n)
	}
	rest := make([]byte, n)
	if _, err := io.ReadFull(r, rest); err != nil {
		return nil, err
	}
	return append(msg, rest...), nil
}

// padding52 are the C padding bytes of 5.2's struct whack_end after a
// bool, which addconn copies uninitialised from its own structs.
var padding52 = func() map[int]bool {
	m := map[int]bool{}
	for _, end := range []int{off52Left, off52Right} {
		for _, f := range []int{end52HostAddr, end52Nexthop, end52HostVTIIP} {
			for i := 1; i < 4; i++ {
				m[end+f+i] = true
			}
		}
		for i := 2; i < 4; i++ {
			m[end+end52Protoport+i] = true
		}
	}
	return m
}()

// layout52 is 5.2's message.
var layout52 = wireLayout{padding52, msg52FixedSize, field52}

// field52 names the field of 5.2's fixed part at byte i, with both values.
func field52(i int, theirs, ours []byte) string {
	o := i &^ 3
	if i >= off52Left && i < off52Right+288 {
		side, base := "left", off52Left
		if i >= off52Right {
			side, base = "right", off52Right
		}
		return fmt.Sprintf("%s+%d (%d, ours %d)", side, o-base, binary.LittleEndian.Uint32(theirs[o:]), binary.LittleEndian.Uint32(ours[o:]))
	}
	return fmt.Sprintf("@%d (%d, ours %d)", o, binary.LittleEndian.Uint32(theirs[o:]), binary.LittleEndian.Uint32(ours[o:]))
}

// coverage52 are conns giving the values of 5.2's message that the
// project's configs do not, so that every value Messages52 sends is
// checked against addconn (the capture socket takes what pluto might
// refuse).
const coverage52 = `conn %default
	left=192.0.2.2
	right=192.0.2.9
	authby=secret
conn tcp-yes
	enable-tcp=yes
conn tcp-no
	enable-tcp=no
conn natt-rfc
	keyexchange=ikev1
	nat-ikev1-method=rfc
conn natt-both
	keyexchange=ikev1
	nat-ikev1-method=both
conn natt-none
	keyexchange=ikev1
	nat-ikev1-method=none
conn redirect-yes
	send-redirect=yes
conn redirect-auto
	send-redirect=auto
conn accept-no
	accept-redirect=no
conn fail-none
	failureshunt=none
conn fail-hold
	failureshunt=hold
conn nic-yes
	nic-offload=yes
conn ppk-insist
	ppk=insist
conn sendca-issuer
	sendca=issuer
conn xauth-pam
	keyexchange=ikev1
	xauthby=pam
	leftxauthserver=yes
conn auth-null
	authby=null
	leftauth=null
	rightauth=null
conn auth-ecdsa
	authby=ecdsa
	leftauth=ecdsa
	rightauth=ecdsa
	leftid=@west
	rightid=@east
	leftecdsakey=0sAQIDBAUGBwg=
	rightecdsakey=0sCAcGBQQDAgE=
conn auth-never
	type=passthrough
	authby=never
	leftauth=never
conn cat
	leftcat=yes
	rightcat=yes
conn vhost
	ikev2=no
	leftsubnet=10.1.0.0/16
	rightsubnet=vhost:%no,%priv
conn pam
	pam-authorize=yes
conn right-strings
	rightcert=east
	rightupdown=/bin/true
	rightusername=user
	rightvti=10.9.0.1/30
	rightxauthclient=yes
conn right-ckaid
	rightckaid=0123456789abcdef
conn pfsgroup
	esp=aes128-sha1
	pfsgroup=modp2048
conn pfsgroup-no-esp
	pfsgroup=modp2048
conn reqid-high
	reqid=20000
conn key-none
	leftid=@west
	leftrsasigkey=0sAQIDBAUGBwg=
	rightrsasigkey=%none
conn key-none-left
	leftrsasigkey=%none
	rightid=@east
	rightrsasigkey=0sCAcGBQQDAgE=
conn nexthop-direct
	leftnexthop=%direct
	rightnexthop=%direct
`

// TestEncode52MatchesAddconn runs 5.2's addconn on the canonical conns
// (WriteConf5) of every conn of the project's test configs the 5.2
// renderer takes, against a capturing socket, and requires the messages
// (conn and key messages) to be byte-identical to Messages52's: sending
// them is then exactly what loading that file does.
func TestEncode52MatchesAddconn(t *testing.T) {
	ls := testenv.MustHaveLibreswanVersion(t, "5.2")
	ns := diffNetNS(t)
	capt := newCapture(t)
	root := testenv.ModuleRoot()
	files := projectConfigFiles(root)
	coverage := filepath.Join(t.TempDir(), "coverage52.conf")
	if err := os.WriteFile(coverage, []byte(coverage52), 0o644); err != nil {
		t.Fatal(err)
	}
	files = append(files, coverage)
	var same, differ, notEncodable, addconnRefused, modelRefused int
	reasons := map[string]int{}
	dir := t.TempDir()
	for _, f := range files {
		cfg, err := conf.Load(f, &conf.Options{})
		if err != nil || cfg == nil {
			continue
		}
		rel, _ := filepath.Rel(root, f)
		if f == coverage {
			rel = "coverage52"
		}
		want := map[string][][]byte{}
		var names []string
		var canon bytes.Buffer
		canon.WriteString(testenv.DefaultPlutoConfig)
		for _, c := range cfg.Conns {
			if c.Err != nil || c.IsManual() {
				continue
			}
			m, err := FromConf(c, fixedEnv, V5_2)
			if err != nil {
				modelRefused++
				continue
			}
			msgs, err := m.Messages52()
			if err != nil {
				if !errors.Is(err, ErrNotEncodable) {
					t.Fatalf("%s: conn %s: %v", rel, c.Name, err)
				}
				notEncodable++
				reasons[strings.TrimPrefix(err.Error(), ErrNotEncodable.Error()+": ")]++
				continue
			}
			for _, msg := range msgs {
				b, err := msg.Encode()
				if err != nil {
					t.Fatal(err)
				}
				want[c.Name] = append(want[c.Name], b)
			}
			names = append(names, c.Name)
			canon.WriteString("\n")
			m.WriteConf5(&canon)
		}
		if len(names) == 0 {
			continue
		}
		file := filepath.Join(dir, "canonical5.conf")
		if err := os.WriteFile(file, canon.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		out, _ := ns.Command(append([]string{ls.Addconn, "--config", file, "--ctlsocket", capt.Path}, names...)...).CombinedOutput()
		got := map[string][][]byte{}
		cur := ""
		for _, m := range capt.take() {
			if m[off52WhackAdd] == 1 {
				n := binary.LittleEndian.Uint64(m[off52Name:])
				cur = string(m[msg52FixedSize : msg52FixedSize+int(n)-1])
			}
			got[cur] = append(got[cur], m)
		}
		for _, n := range names {
			g, w := got[n], want[n]
			switch {
			case len(g) == 0:
				addconnRefused++
				t.Logf("%s: conn %s: addconn sent nothing\n%s", rel, n, out)
			case len(g) != len(w):
				differ++
				t.Errorf("%s: conn %s: addconn sent %d messages, we %d", rel, n, len(g), len(w))
			default:
				ok := true
				for i := range g {
					if !layout52.equal(g[i], w[i]) {
						ok = false
						t.Errorf("%s: conn %s: message %d differs: %s", rel, n, i, layout52.diff(g[i], w[i]))
					}
				}
				if ok {
					same++
				} else {
					differ++
				}
			}
		}
	}
	t.Logf("byte-identical %d, differ %d, addconn refused %d, model refused %d, not encodable (canonical addconn path) %d: %v",
		same, differ, addconnRefused, modelRefused, notEncodable, reasons)
}
