//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package keygen

// isTerminalFd says no where terminals cannot be asked: no progress dots.
func isTerminalFd(int) bool { return false }
