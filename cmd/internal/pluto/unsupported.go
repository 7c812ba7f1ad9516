package pluto

import "strings"

// The keywords a Libreswan release does not take, listed once: FromConf
// puts every one that is set in Conn.Ignored, and the loader warns once
// per conn ("not passed to pluto").

// notTakenByAll are FreeS/WAN or Openswan keywords no Libreswan reads.
var notTakenByAll = map[string]string{
	"subnetwithin":        "FreeS/WAN --clientwithin is gone from Libreswan",
	"disablearrivalcheck": "FreeS/WAN KLIPS option, gone from Libreswan",
	"_plutodevel":         "FreeS/WAN debugging option",
	"modecfgwins1":        "WINS is not supported by Libreswan",
	"modecfgwins2":        "WINS is not supported by Libreswan",
	"groundhog":           "Libreswan test keyword",
}

// notTakenBy4 are Libreswan 5 keywords 4.10 does not know (a 5.x file read
// for 4.10).
var notTakenBy4 = map[string]string{
	"interface-ip":  "Libreswan 5 keyword",
	"updown-config": "Libreswan 5 keyword",
	"ppk-ids":       "Libreswan 5 keyword",
	"modecfgdns1":   "replaced by modecfgdns=",
	"modecfgdns2":   "replaced by modecfgdns=",
}

// notTakenBy5 are 4.x keywords 5.x dropped and goswan cannot map (those it
// maps, such as forceencaps= and keyexchange=, are read by FromConf).
var notTakenBy5 = map[string]string{
	"modecfgdns1":  "gone in Libreswan 5: use modecfgdns=",
	"modecfgdns2":  "gone in Libreswan 5: use modecfgdns=",
	"ikepad":       "gone in Libreswan 5",
	"dpdaction":    "obsolete in Libreswan 5, which ignores it",
	"rsasigkey2":   "gone in Libreswan 5",
	"dns-match-id": "gone in Libreswan 5",
}

// silentlyIgnored are keywords Libreswan accepts and ignores, or that
// conf has already warned about as obsolete: losing them changes nothing.
var silentlyIgnored = map[string]bool{
	"sareftrack": true, "loopback": true, "labeled_ipsec": true,
	"rekeystart": true, "rekeytries": true, "firstmsgid": true, "cisco-split": true,
	"keyexchange": true,
}

// notTaken reports whether release v leaves keyword kw (canonical, sided
// keywords with their left/right prefix) out, and why.
func notTaken(v Version, kw string) (string, bool) {
	bare := strings.TrimPrefix(strings.TrimPrefix(kw, "left"), "right")
	for _, k := range []string{kw, bare} {
		if why, ok := notTakenByAll[k]; ok {
			return why, true
		}
		table := notTakenBy4
		if v.AtLeast(V5_0) {
			table = notTakenBy5
		}
		if why, ok := table[k]; ok {
			return why, true
		}
	}
	return "", false
}
