package pluto

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
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
	conn, err := net.DialTimeout("unix", ctl, 5*time.Second)
	if err != nil {
		return 0, fmt.Errorf("connecting to pluto at %s: %w: %w", ctl, ErrNoAnswer, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(ReplyTimeout))
	if _, err := conn.Write(msg); err != nil {
		return 0, fmt.Errorf("writing to pluto at %s: %w: %w", ctl, ErrNoAnswer, err)
	}
	status := 0
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			num, rest, ok := strings.Cut(line, " ")
			code, perr := strconv.Atoi(num)
			if !ok || perr != nil {
				return 0, fmt.Errorf("pluto: reply line missing NNN prefix: %q", strings.TrimSpace(line))
			}
			if code == 1 { // RC_RAW
				line = rest
			}
			io.WriteString(out, line)
			switch {
			case code == rcSuccess:
				status = 0
			case code >= rcExitFloor && code < rcExitRoof:
				status = code
			}
		}
		if err == io.EOF {
			return status, nil
		}
		if err != nil {
			return status, fmt.Errorf("reading from pluto at %s: %w: %w", ctl, ErrNoAnswer, err)
		}
	}
}

// MessageVersion is the Libreswan release whose whack message layout
// Encode writes.
const MessageVersion = "4.10"
