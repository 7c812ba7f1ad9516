package setup

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"goswan/cmd/internal/applet"
	"goswan/cmd/internal/oeconf"
	"goswan/conf"
)

// installPolicies puts the policy groups where pluto reads them
// (ipsecdir/policies): a FreeS/WAN site's files from the configuration
// directory's ipsec.d/policies when pluto's directory is elsewhere, and an
// empty file for each group conn that has none, as Libreswan's package
// ships them. It says what it installed.
func (s *setup) installPolicies(cfg *conf.Config) error {
	dst := oeconf.PolicyDir(cfg)
	src := filepath.Join(applet.ConfDir(), "ipsec.d", "policies")
	var groups []string
	for _, c := range cfg.Conns {
		if oeconf.FindGroup(c.Name) != nil && c.Auto() != "ignore" {
			groups = append(groups, c.Name)
		}
	}
	if len(groups) == 0 {
		return nil
	}
	if s.showonly {
		s.say("# install policy groups %s in %s", strings.Join(groups, " "), dst)
		return nil
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, g := range groups {
		to := filepath.Join(dst, g)
		if _, err := os.Stat(to); err == nil {
			if b, err := os.ReadFile(filepath.Join(src, g)); err == nil && filepath.Clean(src) != filepath.Clean(dst) {
				if cur, _ := os.ReadFile(to); !bytes.Equal(cur, b) {
					s.warn(fmt.Sprintf("policy group %s differs from %s; pluto reads %s", filepath.Join(src, g), to, to))
				}
			}
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, g))
		from := filepath.Join(src, g)
		if err != nil {
			b, from = nil, ""
		}
		if err := writeAtomic(to, b); err != nil {
			return err
		}
		if from != "" {
			s.say("installed policy group %s from %s (%d entries)", to, from, len(oeconf.PolicyEntries(b)))
		} else {
			s.say("installed empty policy group %s", to)
		}
	}
	return nil
}
