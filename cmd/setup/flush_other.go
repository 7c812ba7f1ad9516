//go:build !linux

package setup

import "errors"

// flushXfrm: there is no XFRM off Linux.
func flushXfrm() error { return errors.ErrUnsupported }
