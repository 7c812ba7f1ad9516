package pluto

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Reply codes (enum rc_type, include/lswlog.h) that say something about
// the outcome; 20 to 99 are errors and become whack's exit status.
const (
	rcSuccess         = 4
	rcExitFloor       = 20
	rcBadWhackMessage = 30
	rcExitRoof        = 100
)

// ReplyTimeout bounds how long Send waits for pluto to take a message and
// finish its reply: a pluto that hangs (stopped, deadlocked) is an error,
// not a wait without end.
var ReplyTimeout = 30 * time.Second

// ErrNoAnswer wraps the errors that say pluto is gone or hung (the
// socket refused, closed mid-reply or silent past ReplyTimeout), as
// opposed to a reply that reports a failure.
var ErrNoAnswer = errors.New("pluto is not answering")

// Send writes one encoded message to pluto's control socket and copies
// pluto's reply lines to out, as whack does (RC_RAW lines without their
// prefix). It returns whack's exit status for the reply: 0, or the last
// error code in 20..99.
func Send(ctl string, msg []byte, out io.Writer) (int, error) {
	fd, err := post(ctl, msg)
	if err != nil {
		return 0, err
	}
	return reply(fd, ctl, out)
}

// post connects to pluto and writes one message, leaving the reply to
// read. The socket is a plain blocking one, used as addconn uses it:
// pluto answers each message at once, and Go's network poller (an epoll
// wake-up and a goroutine switch per read) made loading 1,000 conns a
// third slower than addconn.
func post(ctl string, msg []byte) (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("connecting to pluto at %s: %w", ctl, err)
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: ctl}); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("connecting to pluto at %s: %w: %w", ctl, ErrNoAnswer, err)
	}
	// A blocking socket still must not wait without end on a pluto that
	// hangs: each read and write gives up after ReplyTimeout (EAGAIN).
	tv := unix.NsecToTimeval(ReplyTimeout.Nanoseconds())
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv)
	for b := msg; len(b) > 0; {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("writing to pluto at %s: %w: %w", ctl, ErrNoAnswer, err)
		}
		b = b[n:]
	}
	return fd, nil
}

// reply reads pluto's answer on fd until pluto closes it, and closes fd.
func reply(fd int, ctl string, out io.Writer) (int, error) {
	defer unix.Close(fd)
	status := 0
	var pending []byte
	buf := make([]byte, 4096)
	line := func(l string) error {
		num, rest, ok := strings.Cut(l, " ")
		code, perr := strconv.Atoi(num)
		if !ok || perr != nil {
			return fmt.Errorf("pluto: reply line missing NNN prefix: %q", strings.TrimSpace(l))
		}
		if code == 1 { // RC_RAW
			l = rest
		}
		io.WriteString(out, l)
		switch {
		case code == rcSuccess:
			status = 0
		case code >= rcExitFloor && code < rcExitRoof:
			status = code
		}
		return nil
	}
	for {
		n, err := unix.Read(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return status, fmt.Errorf("reading from pluto at %s: %w: %w", ctl, ErrNoAnswer, err)
		}
		pending = append(pending, buf[:n]...)
		for {
			i := bytes.IndexByte(pending, '\n')
			if i < 0 {
				break
			}
			if err := line(string(pending[:i+1])); err != nil {
				return 0, err
			}
			pending = pending[i+1:]
		}
		if n == 0 {
			if len(pending) > 0 {
				if err := line(string(pending)); err != nil {
					return 0, err
				}
			}
			return status, nil
		}
	}
}

// MessageVersion is the Libreswan release whose whack message layout
// Encode writes.
const MessageVersion = "4.10"
