package auto

import (
	"testing"

	"goswan/tests/testenv"
)

// TestMain removes the binary testenv.Binary built once the tests are done.
func TestMain(m *testing.M) { testenv.Main(m) }
