package conf

import (
	"goswan/conf/token"
)

// Config is a fully read and resolved ipsec.conf.
type Config struct {
	// Version is the value of the `version` line, "" when there is none.
	Version string
	// Setup holds the `config setup` keywords (empty when there is no such
	// section). A keyword that was wrong is left out and reported in
	// Setup.Err; the others stand.
	Setup Section
	// Conns holds every conn except %default, in file order, each resolved
	// (%default, own keywords, also=). A conn that cannot load is kept
	// with Err set, as Libreswan lists conns that "did not load properly";
	// Usable gives the others. A name defined twice is the first
	// definition; the second is a warning.
	Conns []*Conn
	// Warnings are non-fatal diagnostics: obsolete keywords, FreeS/WAN
	// forms that were mapped, includes that matched nothing.
	Warnings token.ErrorList
	// Files lists every file read, the main one first.
	Files []string
}

// Section is a `config setup` or `conn` section.
type Section struct {
	Kind SectionKind
	Name string // conn name; "setup" for config setup
	Pos  token.Position
	Values
	// Err is non-nil when the section cannot be used as written: a bad or
	// unknown keyword, or for a conn a missing also= target, keys that
	// conflict between its sections, or a rule the resolved conn breaks
	// (including what it took from %default and also=). It is a sorted
	// token.ErrorList. The errors of config setup leave only the bad
	// keywords out; a conn with errors is not loaded.
	Err error
}

// SectionKind tells config setup from conn sections.
type SectionKind uint8

const (
	KindConn SectionKind = iota
	KindSetup
)

// Conn is a resolved connection.
type Conn struct {
	Section
	// Also lists the also= sections that were merged in, in merge order.
	Also []string
}

// Conn returns the conn called name (the first definition, as Libreswan's
// addconn NAME and also= take it), or nil. The conn may be unusable: check
// its Err.
func (c *Config) Conn(name string) *Conn {
	for _, cn := range c.Conns {
		if cn.Name == name {
			return cn
		}
	}
	return nil
}

// Auto returns the conn's startup action normalised to Libreswan's words:
// ignore (also when unset), add, ondemand (route), start (up), keep, or
// manual (FreeS/WAN 2, manually keyed).
func (c *Conn) Auto() string {
	switch a := lower(c.String("auto")); a {
	case "", "ignore":
		return "ignore"
	case "route":
		return "ondemand"
	case "up":
		return "start"
	default:
		return a
	}
}

// IsManual reports whether the conn is manually keyed: auto=manual, or any
// FreeS/WAN manual-keying keyword (spi, spibase, espenckey ...).
func (c *Conn) IsManual() bool {
	if c.Auto() == "manual" {
		return true
	}
	for _, kw := range manualKeywords {
		if c.IsSet(kw) {
			return true
		}
	}
	return false
}

var manualKeywords = []string{
	"spi", "spibase", "leftspi", "rightspi", "espenckey", "espauthkey", "ahkey",
	"leftespenckey", "rightespenckey", "leftespauthkey", "rightespauthkey",
	"leftahkey", "rightahkey", "leftespspi", "rightespspi", "leftahspi", "rightahspi",
}

func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
