//go:build ignore

// gen_keywords writes zkeywords.go from keywords.tsv.
package main

import (
	"log"
	"os"

	"goswan/conf/keywordtable"
)

func main() {
	in, err := os.Open("keywords.tsv")
	if err != nil {
		log.Fatal(err)
	}
	defer in.Close()
	src, err := keywordtable.Generate(in)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("zkeywords.go", src, 0o644); err != nil {
		log.Fatal(err)
	}
}
