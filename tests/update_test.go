package tests

import "flag"

// update makes tests rewrite their golden files and generated text (make
// golden); every test of the package shares it.
var update = flag.Bool("update", false, "rewrite golden files")
