package testenv

import "testing"

// TestMain removes the binary and wrappers the tests made once they are
// done, so that a test run leaves nothing in TMPDIR.
func TestMain(m *testing.M) { Main(m) }
