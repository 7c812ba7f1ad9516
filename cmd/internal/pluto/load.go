package pluto

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"goswan/cmd/internal/applet"
	"goswan/conf"
	"goswan/conf/token"

	"golang.org/x/sys/unix"
)

// Loader adds conns to pluto. Each conn becomes a pluto Conn once
// (FromConf, for the release pluto is), and one renderer sends it:
//   - Libreswan 4.x: the 4.10 control-socket message (Messages410), as
//     addconn sends it; a conn the renderer does not take, or every conn
//     when pluto refuses the message, goes through whack's command line;
//   - Libreswan 5.2 (by the magic its pluto asks for, or as the caller
//     says): 5.2's own message (Messages52), as its addconn sends it for
//     the canonical conn; the conns it does not take go the next way
//     (add5). Measured on 1,000 conns: CPU 0.87× of 5.2's addconn
//     --autoall, against 2.19× through the canonical file;
//   - Libreswan 5.x: the canonical conns in 5.x's dialect (WriteConf5),
//     loaded by 5.x's own addconn in one run (in halves when addconn
//     refuses the file, until the conn it cannot read is alone): measured
//     on 5.2, 72 of 73 corpus conns identical to addconn on the original
//     file against 62 through whack (72 of 78 since), in 0.5 s against
//     28 s;
//   - --showonly/--show and IPSEC_WHACK_PROCESS=1: whack's command line.
//
// A conn that does not build is reported with its position and skipped;
// the others still load. One warning per conn lists what it loses.
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
	// Version is the Libreswan release of the programs; the zero Version
	// asks whack (`whack --version`) once.
	Version Version
	// Setup is the configuration's `config setup`: Libreswan 5's addconn
	// reads the DNSSEC settings from it, and its ikev1-policy= stands in
	// for the running pluto's when pluto cannot be asked.
	Setup *conf.Section
	// Failed collects the conns that could not be loaded, so that callers
	// do not route or initiate them.
	Failed map[string]bool

	socket *bool // whether pluto speaks our whack message (nil: not checked yet)
	ikev1  *struct{ policy, whose string }
	// answered names the conns whose messages pluto answered in earlier
	// sends of this load (the release probe's), for the account a load
	// cut short gives.
	answered []string
	// plutoMagic is the whack magic pluto asked for when it refused ours.
	plutoMagic uint32
}

// useSocket reports whether conns may go to a 4.x pluto as messages
// encoded here. IPSEC_WHACK_PROCESS=1 forces whack processes; so does a
// pluto that turned down our first message.
func (l *Loader) useSocket() bool {
	if l.socket == nil {
		ok := os.Getenv("IPSEC_WHACK_PROCESS") != "1"
		l.socket = &ok
	}
	return *l.socket
}

// version is the release of the installed whack, asked once.
func (l *Loader) version() (Version, error) {
	if l.Version != (Version{}) {
		return l.Version, nil
	}
	v, err := ProgramVersion(l.Whack.Path)
	if err != nil {
		if l.ShowOnly {
			// --showonly runs nothing: print 4.10's command lines.
			return V4_10, nil
		}
		return Version{}, fmt.Errorf("cannot tell which Libreswan release to load conns into: %w", err)
	}
	l.Version = v
	return v, nil
}

// encoded is a conn and the messages that add it.
type encoded struct {
	c    *Conn
	msgs []wireMessage
}

// Add loads conns. The error carries the exit status: the first non-zero
// status (whack's, addconn's, or pluto's reply code), or 1 when a conn
// could not be built.
func (l *Loader) Add(conns []*conf.Conn) error {
	var errs token.ErrorList
	forceWhack := l.ShowOnly || l.Show || os.Getenv("IPSEC_WHACK_PROCESS") == "1"
	// Unless told, the release comes from pluto itself: a 4.x pluto
	// takes the 4.10 message, any other refuses its magic number (and
	// names its own), and only then is whack asked (`whack --version`):
	// one process less on every 4.x load.
	probe := l.Version == (Version{}) && !forceWhack && l.useSocket()
	var ver Version
	var status int
	rest := conns
	if probe {
		var err error
		status, rest, ver, err = l.probe(conns)
		if err != nil {
			return applet.Exit(applet.ExitFailure, err)
		}
	} else {
		v, err := l.version()
		if err != nil {
			return applet.Exit(applet.ExitFailure, err)
		}
		ver = v
	}
	built, src := l.build(rest, ver, &errs)
	var st int
	switch {
	case forceWhack:
		st = l.addArgv(built)
	case ver.AtLeast(V5_0):
		var gone error
		if st, gone = l.add5(built); gone != nil {
			return applet.Exit(applet.ExitFailure, gone)
		}
	case !l.useSocket():
		fmt.Fprintf(l.Err, "%s: pluto refused the message format of Libreswan %s although whack is %s: loading conns through whack\n", l.Prog, MessageVersion, ver)
		st = l.addArgv(built)
	default:
		var refused []*Conn
		var gone error
		st, refused, gone = l.addMessages(built)
		if gone != nil {
			// pluto died or hung: loading the rest (or starting whack
			// for them) would only fail slower. Say what is in and what
			// is not.
			return applet.Exit(applet.ExitFailure, gone)
		}
		if len(refused) > 0 {
			st2 := l.addOther(refused, src, &errs)
			if st == 0 {
				st = st2
			}
		}
	}
	if status == 0 {
		status = st
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

// probe finds pluto's release with the first conn that has a 4.10
// message, sent alone: a 4.x pluto adds it, and the other conns are
// still to load; any other release refuses it, and all conns are. Only
// then are the conns built, once, for the release pluto is (a conn 4.10
// cannot take may well load into 5.x). With no conn to send, whack is
// asked.
func (l *Loader) probe(conns []*conf.Conn) (status int, rest []*conf.Conn, v Version, err error) {
	for i, c := range conns {
		m, err := FromConf(c, l.Env, V4_10)
		if err != nil {
			continue // reported once the release is known
		}
		msgs, err := m.Messages410()
		if err != nil {
			continue
		}
		st, refused, gone := l.sendAll([]encoded{{m, wireMessages(msgs)}})
		if gone != nil {
			return st, nil, V4_10, gone
		}
		if len(refused) == 0 {
			return st, append(conns[:i:i], conns[i+1:]...), V4_10, nil
		}
		// The magic pluto wants names its release when it is one we
		// know; else whack is asked.
		l.Version = releaseByMagic[l.plutoMagic]
		v, err := l.version()
		return 0, conns, v, err
	}
	v, err = l.version()
	return 0, conns, v, err
}

// build makes the pluto conns of release v, reporting the ones that do
// not build; src maps each back to its conf conn.
func (l *Loader) build(conns []*conf.Conn, v Version, errs *token.ErrorList) ([]*Conn, map[*Conn]*conf.Conn) {
	built := make([]*Conn, 0, len(conns))
	src := make(map[*Conn]*conf.Conn, len(conns))
	for _, c := range conns {
		m, err := FromConf(c, l.Env, v)
		if err == nil {
			err = l.refusedIKEv1(c, m)
		}
		if err != nil {
			*errs = appendErr(*errs, c, err)
			l.fail(c.Name)
			continue
		}
		built = append(built, m)
		src[m] = c
	}
	return built, src
}

// addOther loads the conns a pluto refused the 4.10 message for: it is
// another release, which whack names; its conns are rebuilt for it.
func (l *Loader) addOther(refused []*Conn, src map[*Conn]*conf.Conn, errs *token.ErrorList) int {
	// The magic pluto wants names its release when it is one we know;
	// else whack is asked.
	l.Version = releaseByMagic[l.plutoMagic]
	ver, err := l.version()
	if err != nil {
		fmt.Fprintf(l.Err, "%s: %v\n", l.Prog, err)
		return applet.ExitFailure
	}
	again := make([]*conf.Conn, 0, len(refused))
	for _, m := range refused {
		again = append(again, src[m])
	}
	rebuilt, _ := l.build(again, ver, errs)
	if ver.AtLeast(V5_0) {
		st, gone := l.add5(rebuilt)
		if gone != nil {
			fmt.Fprintf(l.Err, "%s: %v\n", l.Prog, gone)
			return applet.ExitFailure
		}
		return st
	}
	fmt.Fprintf(l.Err, "%s: pluto refused the message format of Libreswan %s although whack is %s: loading conns through whack\n", l.Prog, MessageVersion, ver)
	return l.addArgv(rebuilt)
}

func (l *Loader) fail(name string) {
	if l.Failed == nil {
		l.Failed = map[string]bool{}
	}
	l.Failed[name] = true
}

// refusedIKEv1 is Libreswan 5's ikev1-policy: IKEv1 conns are dropped
// unless it is accept. It is the running pluto's policy that decides, so
// pluto is asked (ikev1Policy); only when it cannot be asked (--showonly,
// an older pluto that does not list it) is config setup's read instead.
func (l *Loader) refusedIKEv1(c *conf.Conn, m *Conn) error {
	if m.IKEVersion != IKEv1 || !m.Version.AtLeast(V5_0) {
		return nil
	}
	policy, whose := l.ikev1Policy()
	if policy == "accept" {
		return nil
	}
	pos := c.Pos
	for _, kw := range []string{"keyexchange", "ikev2"} {
		if v, ok := c.Get(kw); ok {
			pos = v.Pos
		}
	}
	return &token.Error{Pos: pos, Msg: fmt.Sprintf("conn %q is IKEv1, which Libreswan %s refuses with ikev1-policy=%s (%s; drop is its default); set ikev1-policy=accept in config setup and restart pluto, or make the conn IKEv2 (keyexchange=ikev2)", c.Name, m.Version, policy, whose)}
}

// ikev1Policy is the ikev1-policy IKEv1 conns meet, asked once: the
// running pluto's (`whack --status`), else config setup's, else Libreswan
// 5's default, drop. whose says where it comes from.
func (l *Loader) ikev1Policy() (policy, whose string) {
	if l.ikev1 != nil {
		return l.ikev1.policy, l.ikev1.whose
	}
	policy, whose = "drop", "Libreswan's default"
	if l.Setup != nil {
		if v, ok := l.Setup.Get("ikev1-policy"); ok {
			policy, whose = strings.ToLower(v.Raw), "config setup"
		}
	}
	if !l.ShowOnly {
		if v, ok, err := l.Whack.SetupOption("ikev1-policy"); err == nil && ok {
			policy, whose = strings.ToLower(v), "the running pluto's"
		}
	}
	l.ikev1 = &struct{ policy, whose string }{policy, whose}
	return policy, whose
}

// warn prints the conn's one warning, if it loses anything.
func (l *Loader) warn(name string, lost []string) {
	if len(lost) > 0 {
		fmt.Fprintf(l.Err, "%s: warning: conn %q: not passed to pluto: %s\n", l.Prog, name, strings.Join(lost, "; "))
	}
}

func ignoredList(m *Conn) []string {
	var out []string
	for _, ig := range m.Ignored {
		out = append(out, ig.Keyword+" ("+ig.Why+")")
	}
	return out
}

// addArgv loads conns through whack's command line: the conns first, then
// their public keys, since a key is filed under an ID a conn introduces.
func (l *Loader) addArgv(conns []*Conn) int {
	var cmds, keys [][]string
	for _, m := range conns {
		tr := m.Argv()
		if w := tr.Warning(); w != "" {
			fmt.Fprintf(l.Err, "%s: warning: %s\n", l.Prog, w)
		}
		cmds = append(cmds, tr.Conns...)
		keys = append(keys, tr.Keys...)
	}
	status := 0
	for _, batch := range [][][]string{cmds, keys} {
		if st := l.runAll(batch); st != 0 && status == 0 {
			status = st
		}
	}
	return status
}

// addMessages sends 4.10 messages on pluto's socket; the conns the
// renderer does not take go through whack. When pluto refuses the message
// format, every conn not loaded yet comes back. When pluto stops
// answering, gone says what was loaded and what was not.
func (l *Loader) addMessages(conns []*Conn) (status int, refused []*Conn, gone error) {
	var direct []encoded
	var viaWhack []*Conn
	for _, m := range conns {
		msgs, err := m.Messages410()
		if err != nil {
			viaWhack = append(viaWhack, m)
			continue
		}
		direct = append(direct, encoded{m, wireMessages(msgs)})
	}
	status, rest, gone := l.sendAll(direct)
	if gone != nil {
		return status, nil, gone
	}
	for _, e := range rest {
		refused = append(refused, e.c)
	}
	if len(refused) > 0 {
		// Another release: all of them load its way.
		return status, append(refused, viaWhack...), nil
	}
	if st := l.addArgv(viaWhack); st != 0 && status == 0 {
		status = st
	}
	return status, nil, nil
}

// refusedFormat reports whether pluto's reply turns down the message
// itself (another Libreswan release: "bad magic ... Mismatched versions
// of userland tools"), whatever reply code it comes with.
func refusedFormat(reply string) bool {
	return strings.Contains(reply, "bad magic") || strings.Contains(reply, "Mismatched versions")
}

// sendAll sends the conns' messages to pluto in order, copying its
// replies, and returns the first non-zero status. The next message is
// already waiting on pluto's socket while pluto answers the current one
// (pluto takes them one at a time, in order), so pluto never waits for
// us. When pluto refuses the message format, nothing of that conn was
// loaded: it and the rest come back for whack. When pluto stops answering
// (it died, or hangs past ReplyTimeout), sending stops and gone is an
// error naming the conns loaded and those not.
func (l *Loader) sendAll(conns []encoded) (status int, rest []encoded, gone error) {
	type posted struct {
		conn int // index in conns
		msg  wireMessage
		fd   int
		err  error
	}
	var queue []posted
	for i, e := range conns {
		for _, m := range e.msgs {
			queue = append(queue, posted{conn: i, msg: m, fd: -1})
		}
	}
	sent := 0
	postUpTo := func(n int) {
		for ; sent < n && sent < len(queue); sent++ {
			p := &queue[sent]
			b, err := p.msg.Encode()
			if err == nil {
				p.fd, err = post(l.Whack.CtlSocket, b)
			}
			p.err = err
		}
	}
	// Pluto's replies go out in one write, not one per conn.
	out := bufio.NewWriterSize(l.Out, 64<<10)
	defer out.Flush()
	closeQueued := func(from int) {
		for _, q := range queue[from:sent] {
			if q.fd >= 0 {
				unix.Close(q.fd)
			}
		}
	}
	warned := -1
	for qi := range queue {
		postUpTo(qi + sendAhead)
		p := queue[qi]
		st, err := 0, p.err
		var answer bytes.Buffer
		if err == nil {
			st, err = reply(p.fd, l.Whack.CtlSocket, &answer)
		}
		// The conn's warning comes before its replies, once pluto has
		// taken the message format (a conn going to another release is
		// rebuilt, and warned about, for it).
		if p.conn != warned && !(err == nil && refusedFormat(answer.String())) {
			if lost := ignoredList(conns[p.conn].c); len(lost) > 0 {
				out.Flush() // the warning after the replies before it
				l.warn(conns[p.conn].c.Name, lost)
			}
			warned = p.conn
		}
		if p.err == nil {
			if err == nil && refusedFormat(answer.String()) {
				l.plutoMagic, _ = expectedMagic(answer.String())
				if l.Version != (Version{}) {
					fmt.Fprintf(l.Err, "%s: pluto is not Libreswan %s (it refused the message format): loading conns the way its release takes them\n", l.Prog, messageRelease(p.msg))
				}
				no := false
				l.socket = &no
				closeQueued(qi + 1)
				return status, conns[p.conn:], nil
			}
			out.Write(answer.Bytes())
		}
		if errors.Is(err, ErrNoAnswer) {
			closeQueued(qi + 1)
			return status, nil, l.loadStopped(err, conns[:p.conn], conns[p.conn:])
		}
		if err != nil {
			fmt.Fprintf(l.Err, "%s: %v\n", l.Prog, err)
			st = applet.ExitFailure
		}
		if st != 0 && status == 0 {
			status = st
		}
	}
	for _, e := range conns {
		l.answered = append(l.answered, e.c.Name)
	}
	return status, nil, nil
}

// loadStopped describes a load that pluto cut short: what it holds (the
// conns answered in earlier sends, then loaded), what it does not (the
// conn being sent when it went counts as not loaded).
func (l *Loader) loadStopped(err error, loaded, notLoaded []encoded) error {
	in := append([]string(nil), l.answered...)
	for _, e := range loaded {
		in = append(in, e.c.Name)
	}
	out := make([]string, 0, len(notLoaded))
	for _, e := range notLoaded {
		out = append(out, e.c.Name)
	}
	names := func(ns []string) string {
		if len(ns) == 0 {
			return "none"
		}
		return strings.Join(ns, " ")
	}
	return fmt.Errorf("%w\nloaded (%d): %s\nnot loaded (%d): %s", err, len(in), names(in), len(out), names(out))
}

// sendAhead is how many messages wait on pluto's socket at most.
const sendAhead = 2

// addConf5 writes the conns in Libreswan 5's dialect to a private file and
// has 5.x's addconn (beside whack) load them in one run. 5.x's parser
// refuses a whole file for one thing it cannot read, so when it refuses
// the file, the conns are loaded again in halves until the conn it
// refuses is alone: one conn cannot take the others with it, and a
// file that loads costs one run, as before.
func (l *Loader) addConf5(conns []*Conn) int {
	if len(conns) == 0 {
		return 0
	}
	for _, m := range conns {
		l.warn(m.Name, ignoredList(m))
	}
	return l.addConf5Run(conns)
}

func (l *Loader) addConf5Run(conns []*Conn) int {
	var b bytes.Buffer
	l.writeSetup5(&b)
	names := make([]string, 0, len(conns))
	for _, m := range conns {
		b.WriteString("\n")
		m.WriteConf5(&b)
		names = append(names, m.Name)
	}
	f, err := os.CreateTemp("", "goswan-addconn-*.conf")
	if err != nil {
		fmt.Fprintf(l.Err, "%s: %v\n", l.Prog, err)
		return applet.ExitFailure
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b.Bytes()); err != nil {
		f.Close()
		fmt.Fprintf(l.Err, "%s: writing %s: %v\n", l.Prog, f.Name(), err)
		return applet.ExitFailure
	}
	f.Close()
	addconn := filepath.Join(filepath.Dir(l.Whack.Path), "addconn")
	args := append([]string{"--config", f.Name(), "--ctlsocket", l.Whack.CtlSocket}, names...)
	cmd := exec.Command(addconn, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if len(conns) > 1 && refusedFile(f.Name(), stdout.String()+stderr.String()) {
			// Nothing of this file was loaded: split it.
			half := len(conns) / 2
			st := l.addConf5Run(conns[:half])
			if st2 := l.addConf5Run(conns[half:]); st == 0 {
				st = st2
			}
			return st
		}
		l.Out.Write(stdout.Bytes())
		l.Err.Write(stderr.Bytes())
		if len(conns) == 1 && refusedFile(f.Name(), stdout.String()+stderr.String()) {
			fmt.Fprintf(l.Err, "%s: conn %q: Libreswan %s's addconn cannot read the conn as goswan writes it for that release (above); not loaded\n", l.Prog, conns[0].Name, conns[0].Version)
			l.fail(conns[0].Name)
		}
		return ee.ExitCode()
	}
	l.Out.Write(stdout.Bytes())
	l.Err.Write(stderr.Bytes())
	if err != nil {
		fmt.Fprintf(l.Err, "%s: running %s: %v\n", l.Prog, addconn, err)
		return applet.ExitFailure
	}
	return 0
}

// refusedFile reports whether addconn's output says it refused the
// config file itself (5.x: "FATAL ERROR: ipsec addconn: FILE:LINE: ...",
// "ERROR: FILE: LINE: ..."; 4.x: "cannot load config 'FILE'") rather
// than some of its conns, whose errors name the conn.
func refusedFile(file, out string) bool {
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, file) && !strings.Contains(line, "warning") {
			return true
		}
	}
	return false
}

// setup5Keywords are the config setup keywords 5.x's addconn reads for
// loading conns (the rest is pluto's, which has them already).
var setup5Keywords = []string{"dnssec-enable", "dnssec-rootkey-file", "dnssec-anchors", "ikev1-policy"}

func (l *Loader) writeSetup5(w io.Writer) {
	fmt.Fprintln(w, "config setup")
	if l.Setup == nil {
		return
	}
	for _, kw := range setup5Keywords {
		if kw == "ikev1-policy" && l.ikev1 != nil {
			// The policy the IKEv1 conns were let through with.
			fmt.Fprintf(w, "\t%s=%s\n", kw, l.ikev1.policy)
			continue
		}
		if v, ok := l.Setup.Get(kw); ok {
			fmt.Fprintf(w, "\t%s=%s\n", kw, conf.QuoteValue(v.Raw))
		}
	}
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
