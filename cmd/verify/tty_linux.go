package verify

import (
	"os"

	"golang.org/x/sys/unix"
)

// isTerminal asks the tty driver; a character device such as /dev/null is
// not a terminal.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
