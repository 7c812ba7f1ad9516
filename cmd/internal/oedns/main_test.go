package oedns

import (
	"testing"

	"goswan/tests/testenv"
)

// TestMain removes the binary and wrappers testenv made once the tests are
// done, so that a test run leaves nothing in TMPDIR.
func TestMain(m *testing.M) { testenv.Main(m) }
