//go:build !linux

package sysinfo

import (
	"context"
	"errors"
)

func probeXFRM(context.Context) XFRM {
	err := errors.ErrUnsupported
	return XFRM{Err: err, ESP: Support{Err: err}, AH: Support{Err: err}}
}
