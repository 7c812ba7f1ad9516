package pluto

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"goswan/cmd/internal/applet"
	"goswan/conf"
	"goswan/conf/token"
)

// Loader adds conns to pluto: translation, one warning per conn with
// unexpressed keywords, then the whack commands (conns first, then their
// public keys, since a key is filed under an ID a conn may introduce).
type Loader struct {
	Whack    *Whack
	Env      *Env
	Out, Err io.Writer
	// Prog prefixes warnings ("ipsec auto").
	Prog string
	// ShowOnly prints the commands instead of running them; Show prints
	// them and runs them.
	ShowOnly, Show bool
	// Workers bounds concurrent whack processes for bulk loads (0: eight
	// per CPU).
	Workers int
	// Failed collects the conns Add could not translate, so that callers
	// do not route or initiate them.
	Failed map[string]bool

	socket *bool // whether pluto speaks our whack message (nil: not checked yet)
}

// useSocket reports whether conns may go to pluto as whack messages
// encoded here. IPSEC_WHACK_PROCESS=1 forces whack processes; so does a
// pluto that turned down our first message for its magic number (another
// Libreswan version: the layout is 4.10's).
func (l *Loader) useSocket() bool {
	if l.socket == nil {
		ok := os.Getenv("IPSEC_WHACK_PROCESS") != "1"
		l.socket = &ok
	}
	return *l.socket
}

// encoded is a conn and the messages that add it.
type encoded struct {
	c    *conf.Conn
	msgs []*Message
}

// Add loads conns. A conn that does not translate is reported with its
// position and skipped; the others still load. The error carries the exit
// status: the first non-zero status (whack's, or pluto's reply code), or
// 1 for translation errors.
//
// A conn the message encoder takes (AddMessages) goes to pluto as one
// message on its control socket, as addconn does; the others, and all of
// them with --showonly, become whack command lines run by whack.
func (l *Loader) Add(conns []*conf.Conn) error {
	var errs token.ErrorList
	var cmds, keys [][]string
	var direct []encoded
	translate := func(c *conf.Conn) {
		tr, err := Translate(c, l.Env)
		if err != nil {
			errs = appendErr(errs, c, err)
			if l.Failed == nil {
				l.Failed = map[string]bool{}
			}
			l.Failed[c.Name] = true
			return
		}
		if w := tr.Warning(); w != "" {
			fmt.Fprintf(l.Err, "%s: warning: %s\n", l.Prog, w)
		}
		cmds = append(cmds, tr.Conns...)
		keys = append(keys, tr.Keys...)
	}
	for _, c := range conns {
		if !l.ShowOnly && !l.Show && l.useSocket() {
			if msgs, err := AddMessages(c, l.Env); err == nil {
				direct = append(direct, encoded{c, msgs})
				continue
			}
		}
		translate(c)
	}
	status, rest, gone := l.sendAll(direct)
	if gone != nil {
		// pluto died or hung: sending the rest (or starting whack for
		// them) would only fail slower. Say what is in and what is not.
		return applet.Exit(applet.ExitFailure, gone)
	}
	for _, e := range rest {
		translate(e.c)
	}
	for _, batch := range [][][]string{cmds, keys} {
		if st := l.runAll(batch); st != 0 && status == 0 {
			status = st
		}
	}
	switch {
	case len(errs) > 0 && status == 0:
		return applet.Exit(applet.ExitFailure, errs)
	case len(errs) > 0:
		return applet.Exit(status, errs)
	case status != 0:
		return applet.Exit(status, nil)
	}
	return nil
}

// sendAll sends the conns' messages to pluto one after the other (pluto
// handles them one at a time anyway), copying its replies, and returns
// the first non-zero status. When pluto rejects the first message's magic
// number, nothing was loaded: all conns come back for whack. When pluto
// stops answering (it died or hangs past ReplyTimeout), sending stops and
// gone is an error naming the conns loaded and those not.
func (l *Loader) sendAll(conns []encoded) (status int, rest []encoded, gone error) {
	first := true
	for i, e := range conns {
		for _, m := range e.msgs {
			b, err := m.Encode()
			st := 0
			if err == nil {
				var reply bytes.Buffer
				st, err = Send(l.Whack.CtlSocket, b, &reply)
				if first && st == rcBadWhackMessage && strings.Contains(reply.String(), "bad magic") {
					fmt.Fprintf(l.Err, "%s: pluto is not Libreswan %s (it refused the message format): loading conns through whack\n", l.Prog, MessageVersion)
					no := false
					l.socket = &no
					return 0, conns[i:], nil
				}
				l.Out.Write(reply.Bytes())
				if errors.Is(err, ErrNoAnswer) {
					return status, nil, loadStopped(err, conns[:i], conns[i:])
				}
			}
			first = false
			if err != nil {
				fmt.Fprintf(l.Err, "%s: %v\n", l.Prog, err)
				st = applet.ExitFailure
			}
			if st != 0 && status == 0 {
				status = st
			}
		}
	}
	return status, nil, nil
}

// loadStopped describes a load that pluto cut short: what it holds, what
// it does not (the conn being sent when it went counts as not loaded).
func loadStopped(err error, loaded, notLoaded []encoded) error {
	names := func(es []encoded) string {
		if len(es) == 0 {
			return "none"
		}
		var b strings.Builder
		for i, e := range es {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(e.c.Name)
		}
		return b.String()
	}
	return fmt.Errorf("%w\nloaded (%d): %s\nnot loaded (%d): %s", err, len(loaded), names(loaded), len(notLoaded), names(notLoaded))
}

func appendErr(list token.ErrorList, c *conf.Conn, err error) token.ErrorList {
	switch e := err.(type) {
	case token.ErrorList:
		return append(list, e...)
	case *token.Error:
		return append(list, e)
	}
	return append(list, &token.Error{Pos: c.Pos, Msg: fmt.Sprintf("conn %q: %v", c.Name, err)})
}

// runAll runs a batch of independent commands, printing each one's output
// in order, and returns the first non-zero status.
func (l *Loader) runAll(cmds [][]string) int {
	if len(cmds) == 0 {
		return 0
	}
	if l.ShowOnly || l.Show {
		for _, a := range cmds {
			fmt.Fprintln(l.Out, Quote(l.Whack.ShowArgv(a)))
		}
		if l.ShowOnly {
			return 0
		}
	}
	status := 0
	for _, r := range l.Whack.RunBatch(cmds, l.Workers) {
		l.Out.Write(r.Output)
		st := r.Status
		if r.Err != nil {
			fmt.Fprintf(l.Err, "%s: %v\n", l.Prog, r.Err)
			st = applet.ExitFailure
		}
		if st != 0 && status == 0 {
			status = st
		}
	}
	return status
}

// AutoAdd reports whether auto= asks for the conn to be added at start-up
// (Libreswan's addconn --autoall).
func AutoAdd(c *conf.Conn) bool {
	switch c.Auto() {
	case "add", "ondemand", "start", "keep":
		return !c.IsManual()
	}
	return false
}

// RunAll runs (or shows) independent whack commands, such as the routes
// and initiations after a bulk add, and returns the first non-zero status
// as an exit error.
func (l *Loader) RunAll(cmds [][]string) error {
	if st := l.runAll(cmds); st != 0 {
		return applet.Exit(st, nil)
	}
	return nil
}
