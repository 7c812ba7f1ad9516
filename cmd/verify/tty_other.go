//go:build !linux

package verify

import "os"

// isTerminal: no colour where we cannot ask the tty driver.
func isTerminal(*os.File) bool { return false }
