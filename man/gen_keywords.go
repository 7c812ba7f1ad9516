//go:build ignore

// gen_keywords rewrites the keyword reference of ipsec.conf.5 from
// ../conf/keywords.tsv (go generate ./man).
package main

import (
	"log"
	"os"

	"goswan/man"
)

func main() {
	in, err := os.Open("../conf/keywords.tsv")
	if err != nil {
		log.Fatal(err)
	}
	defer in.Close()
	section, err := man.KeywordSection(in)
	if err != nil {
		log.Fatal(err)
	}
	page, err := os.ReadFile("ipsec.conf.5")
	if err != nil {
		log.Fatal(err)
	}
	out, err := man.Splice(page, section)
	if err != nil {
		log.Fatalf("ipsec.conf.5: %v", err)
	}
	if err := os.WriteFile("ipsec.conf.5", out, 0o644); err != nil {
		log.Fatal(err)
	}
}
