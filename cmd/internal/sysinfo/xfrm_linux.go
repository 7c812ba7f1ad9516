package sysinfo

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// The XFRM netlink messages are built by hand: the diagnostics need two
// dumps and one SA, and the rule that only kernel/ uses the netlink library
// keeps one owner for everything that changes the kernel. The layouts are
// those of <linux/xfrm.h>.
const (
	xfrmMsgNewSA      = 0x10
	xfrmMsgGetSA      = 0x12
	xfrmMsgGetPolicy  = 0x15
	xfrmaAlgAuth      = 1
	xfrmaAlgCrypt     = 2
	sizeofUsersaInfo  = 224
	sizeofXfrmAlgo    = 68 // alg_name[64] + alg_key_len
	nlmsgHdrLen       = 16
	probeSPI          = 0x0badc0de
	protoESP, protoAH = 50, 51
)

// probeXFRM dumps SAs and policies in the caller's namespace, then tries an
// ESP and an AH SA in a throwaway network namespace: the kernel's own answer
// is the only reliable one (ESP may be built in, a module, or absent), and
// the namespace takes the SA with it when it goes.
func probeXFRM(ctx context.Context) XFRM {
	var x XFRM
	x.States, x.Err = dumpCount(xfrmMsgGetSA)
	if x.Err == nil {
		x.Policies, x.Err = dumpCount(xfrmMsgGetPolicy)
	}
	if x.Err != nil {
		x.ESP = Support{Err: x.Err}
		x.AH = x.ESP
		return x
	}
	type answer struct{ esp, ah Support }
	done := make(chan answer, 1)
	go func() {
		esp, ah := probeInThrowawayNetNS()
		done <- answer{esp, ah}
	}()
	select {
	case a := <-done:
		x.ESP, x.AH = a.esp, a.ah
	case <-ctx.Done():
		err := ctx.Err()
		x.ESP, x.AH = Support{Err: err}, Support{Err: err}
	}
	return x
}

// probeInThrowawayNetNS tries the SAs on an OS thread of its own moved into
// a new network namespace. That thread must not be the thread-group leader:
// /proc/self/net follows the leader's namespace, so moving it would make
// the process read the throwaway namespace's /proc/net/udp (no sockets) for
// the rest of its life, and the runtime cannot end the leader thread.
func probeInThrowawayNetNS() (esp, ah Support) {
	runtime.LockOSThread()
	if unix.Gettid() == unix.Getpid() {
		// This goroutine holds the leader; one started now runs on
		// another thread while this one waits.
		done := make(chan struct{})
		go func() {
			defer close(done)
			esp, ah = probeInThrowawayNetNS()
		}()
		<-done
		runtime.UnlockOSThread() // this thread never changed namespace
		return esp, ah
	}
	// This thread changes network namespace and is never unlocked, so the
	// runtime ends it with the goroutine instead of reusing it.
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		err = fmt.Errorf("cannot make a throwaway network namespace to try an SA: %w", err)
		return Support{Err: err}, Support{Err: err}
	}
	return trySA(protoESP), trySA(protoAH)
}

func xfrmSocket() (int, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_XFRM)
	if err != nil {
		return -1, fmt.Errorf("opening XFRM netlink socket: %w", err)
	}
	tv := unix.Timeval{Sec: 2}
	_ = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("binding XFRM netlink socket: %w", err)
	}
	return fd, nil
}

func nlMessage(typ, flags uint16, payload []byte) []byte {
	b := make([]byte, nlmsgHdrLen, nlmsgHdrLen+len(payload))
	binary.NativeEndian.PutUint32(b[0:], uint32(nlmsgHdrLen+len(payload)))
	binary.NativeEndian.PutUint16(b[4:], typ)
	binary.NativeEndian.PutUint16(b[6:], flags)
	binary.NativeEndian.PutUint32(b[8:], 1) // sequence
	return append(b, payload...)
}

// dumpCount dumps SAs or policies and counts them.
func dumpCount(typ uint16) (int, error) {
	fd, err := xfrmSocket()
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	// iproute2 sends a small zeroed header with its dumps; so do we.
	req := nlMessage(typ, unix.NLM_F_REQUEST|unix.NLM_F_DUMP, make([]byte, 16))
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return 0, fmt.Errorf("XFRM dump: %w", err)
	}
	n := 0
	buf := make([]byte, 1<<16)
	for {
		m, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return n, fmt.Errorf("XFRM dump: %w", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:m])
		if err != nil {
			return n, fmt.Errorf("XFRM dump: %w", err)
		}
		for _, msg := range msgs {
			switch msg.Header.Type {
			case unix.NLMSG_DONE:
				return n, nil
			case unix.NLMSG_ERROR:
				if err := nlError(msg.Data); err != nil {
					return n, fmt.Errorf("XFRM dump: %w", err)
				}
				return n, nil
			default:
				n++
			}
		}
	}
}

func nlError(data []byte) error {
	if len(data) < 4 {
		return errors.New("short netlink error")
	}
	if e := int32(binary.NativeEndian.Uint32(data)); e != 0 {
		return unix.Errno(-e)
	}
	return nil
}

// trySA adds a transport-mode SA of proto between two documentation
// addresses in the current (throwaway) namespace.
func trySA(proto uint8) Support {
	fd, err := xfrmSocket()
	if err != nil {
		return Support{Err: err}
	}
	defer unix.Close(fd)
	info := make([]byte, sizeofUsersaInfo)
	copy(info[56:], []byte{192, 0, 2, 2})           // id.daddr
	binary.BigEndian.PutUint32(info[72:], probeSPI) // id.spi
	info[76] = proto                                // id.proto
	copy(info[80:], []byte{192, 0, 2, 1})           // saddr
	for off := 96; off < 96+32; off += 8 {          // lft: soft/hard byte and packet limits = infinity
		binary.NativeEndian.PutUint64(info[off:], ^uint64(0))
	}
	binary.NativeEndian.PutUint16(info[212:], unix.AF_INET) // family
	info[214] = 0                                           // mode transport
	var attr []byte
	if proto == protoESP {
		attr = algoAttr(xfrmaAlgCrypt, "cbc(aes)", 16)
	} else {
		attr = algoAttr(xfrmaAlgAuth, "hmac(sha1)", 20)
	}
	req := nlMessage(xfrmMsgNewSA, unix.NLM_F_REQUEST|unix.NLM_F_ACK, append(info, attr...))
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return Support{Err: err}
	}
	buf := make([]byte, 8192)
	m, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return Support{Err: err}
	}
	msgs, err := syscall.ParseNetlinkMessage(buf[:m])
	if err != nil || len(msgs) == 0 {
		return Support{Err: fmt.Errorf("no answer to the SA probe: %v", err)}
	}
	if msgs[0].Header.Type == unix.NLMSG_ERROR {
		if err := nlError(msgs[0].Data); err != nil {
			return Support{Known: true, Err: err}
		}
	}
	return Support{Known: true, OK: true}
}

// algoAttr is an XFRMA_ALG_* attribute holding struct xfrm_algo with a
// zero key of keyLen bytes (the SA lives only in the probe namespace).
func algoAttr(typ uint16, name string, keyLen int) []byte {
	l := 4 + sizeofXfrmAlgo + keyLen
	b := make([]byte, (l+3)&^3)
	binary.NativeEndian.PutUint16(b[0:], uint16(l))
	binary.NativeEndian.PutUint16(b[2:], typ)
	copy(b[4:], name)
	binary.NativeEndian.PutUint32(b[4+64:], uint32(keyLen*8))
	return b
}
