package setup

import (
	"fmt"

	"github.com/vishvananda/netlink"
)

// flushXfrm removes every IPsec SA and policy of this network namespace,
// as Libreswan's setup stop does with ip xfrm.
func flushXfrm() error {
	if err := netlink.XfrmStateFlush(0); err != nil {
		return fmt.Errorf("xfrm state flush: %w", err)
	}
	if err := netlink.XfrmPolicyFlush(); err != nil {
		return fmt.Errorf("xfrm policy flush: %w", err)
	}
	return nil
}
