package showhostkey

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/miekg/dns"
	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
	"goswan/keys"
)

type printer struct {
	c *cli.Context
	w io.Writer
}

// list prints Libreswan's numbered key list; dump adds where each key is.
func (p *printer) list(ks []*hostKey, dump bool) error {
	for i, k := range ks {
		fmt.Fprintf(p.w, "<%2d> RSA keyid: %s ckaid: %s\n", i+1, keys.KeyID(k.pub), keys.CKAID(k.pub))
		if dump {
			var ids []string
			for _, id := range k.ids {
				ids = append(ids, id.String())
			}
			idtext := "(default key)"
			if len(ids) > 0 {
				idtext = "ids: " + strings.Join(ids, " ")
			}
			priv := "public key only"
			if k.private {
				priv = "private key present"
			}
			fmt.Fprintf(p.w, "     %d bits, %s, %s, at %s\n", k.pub.N.BitLen(), idtext, priv, k.where)
		}
	}
	return nil
}

func (p *printer) print(op string, k *hostKey) error {
	switch op {
	case "left", "right":
		return p.conf(op, k)
	case "ipseckey":
		return p.ipseckey(k)
	case "key":
		return p.key(k)
	case "txt":
		return p.txt(k)
	case "pem":
		b, err := keys.PEMPublicKey(k.pub)
		if err != nil {
			return err
		}
		_, err = p.w.Write(b)
		return err
	case "dhclient":
		b64, err := keys.Base64(k.pub)
		if err != nil {
			return err
		}
		fmt.Fprintf(p.w, "%s\n", p.comment(k, "#"))
		fmt.Fprintf(p.w, "option oe-key code 159 = string;\n")
		fmt.Fprintf(p.w, "option oe-gateway code 160 = ip-address;\n")
		fmt.Fprintf(p.w, "send oe-key = \"0x%04x %d %d %s\";\n", keys.KEYFlags, keys.KEYProtocol, keys.KEYAlgorithm, b64)
		return nil
	}
	return fmt.Errorf("unknown format %q", op)
}

// conf prints ipsec.conf lines exactly as Libreswan 4.10 does.
func (p *printer) conf(side string, k *hostKey) error {
	if p.c.Bool("pubkey") {
		der, err := x509.MarshalPKIXPublicKey(k.pub)
		if err != nil {
			return err
		}
		fmt.Fprintf(p.w, "\t%spubkey=%s\n", side, base64.StdEncoding.EncodeToString(der))
		return nil
	}
	s, err := keys.RSASigKey(k.pub)
	if err != nil {
		return err
	}
	fmt.Fprintf(p.w, "\t# rsakey %s\n\t%srsasigkey=%s\n", keys.KeyID(k.pub), side, s)
	return nil
}

// ipseckey prints the record in Libreswan 4.10's layout (a valid zone-file
// line): owner, four spaces, IN, four spaces, IPSECKEY, two spaces, RDATA.
func (p *printer) ipseckey(k *hostKey) error {
	gw := p.c.String("gateway")
	rr, err := keys.IPSECKEYRecord(owner(p.c, k), uint8(p.c.Int("precedence")), gw, k.pub)
	if err != nil {
		return applet.Exit(applet.ExitUsage, err)
	}
	if p.c.Bool("pubkey") {
		der, err := x509.MarshalPKIXPublicKey(k.pub)
		if err != nil {
			return err
		}
		rr.Algorithm, rr.PublicKey = 4, base64.StdEncoding.EncodeToString(der)
	}
	shown := "."
	switch rr.GatewayType {
	case dns.IPSECGatewayIPv4, dns.IPSECGatewayIPv6:
		shown = gw // as typed, as Libreswan prints it
		if _, err := netip.ParseAddr(gw); err != nil {
			shown = rr.GatewayAddr.String()
		}
	case dns.IPSECGatewayHost:
		shown = rr.GatewayHost
	}
	fmt.Fprintf(p.w, "%s    IN    IPSECKEY  %d %d %d %s %s\n", rr.Hdr.Name, rr.Precedence, rr.GatewayType, rr.Algorithm, shown, rr.PublicKey)
	return nil
}

// comment is the FreeS/WAN header comment with the given lead character,
// or a key id comment for keys without one.
func (p *printer) comment(k *hostKey, lead string) string {
	if k.header != "" {
		return lead + strings.TrimPrefix(k.header, "#")
	}
	return fmt.Sprintf("%s RSA %d bits   %s", lead, k.pub.N.BitLen(), keys.KeyID(k.pub))
}

// key prints FreeS/WAN's KEY record: comment, then owner TAB IN TAB KEY
// TAB RDATA. The flags print in decimal (16896, not FreeS/WAN's 0x4200):
// the form name servers print and every zone-file parser reads.
func (p *printer) key(k *hostKey) error {
	rr, err := keys.KEYRecord(owner(p.c, k), k.pub, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(p.w, "%s\n%s\tIN\tKEY\t%d %d %d %s\n", p.comment(k, ";"), rr.Hdr.Name, rr.Flags, rr.Protocol, rr.Algorithm, rr.PublicKey)
	return nil
}

// txt prints FreeS/WAN's TXT record; the owner (a client's reverse-map
// name) is blank unless --owner gives one, as FreeS/WAN left it to the
// user.
func (p *printer) txt(k *hostKey) error {
	rr, err := keys.TXTRecord(p.c.String("owner"), p.c.String("txt"), p.c.Int("precedence"), k.pub)
	if err != nil {
		return err
	}
	quoted := make([]string, len(rr.Txt))
	for i, s := range rr.Txt {
		quoted[i] = `"` + s + `"`
	}
	fmt.Fprintf(p.w, "%s\n%s\tIN\tTXT\t%s\n", p.comment(k, ";"), rr.Hdr.Name, strings.Join(quoted, " "))
	return nil
}
