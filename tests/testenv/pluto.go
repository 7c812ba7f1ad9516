package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// DefaultPlutoConfig is the ipsec.conf a test pluto gets when the test
// gives none: no DNSSEC (no network here) and IKEv1 accepted, which the
// Debian build drops by default.
const DefaultPlutoConfig = "config setup\n\tdnssec-enable=no\n\tikev1-policy=accept\n"

// PlutoOptions describe a test pluto. The zero value is a pluto in a fresh
// network namespace with DefaultPlutoConfig and an empty secrets file.
type PlutoOptions struct {
	// NetNS is the namespace to run in; nil creates a fresh one.
	NetNS *NetNS
	// Config is the text of ipsec.conf (its `config setup` is what pluto
	// reads itself); "" means DefaultPlutoConfig.
	Config string
	// Secrets is the text of ipsec.secrets.
	Secrets string
	// Args are extra pluto options (e.g. "--listen", "192.0.2.101").
	Args []string
	// Libreswan is the installation to run (MustHaveLibreswanVersion);
	// nil means the host's.
	Libreswan *Libreswan
}

// Pluto is a Libreswan pluto whose every file lives in a private directory:
// NSS db, run dir (control socket, pid file), dump dir, config, secrets and
// log. Tests get one from StartPluto (running) or PreparePluto (files only,
// for tests whose subject starts pluto itself, such as `ipsec setup`).
type Pluto struct {
	Libreswan Libreswan
	NetNS     *NetNS
	Dir       string // private directory holding everything below
	NSSDir    string // NSS database (empty password)
	RunDir    string // pluto.ctl and pluto.pid
	DumpDir   string
	Config    string // ipsec.conf path
	Secrets   string // ipsec.secrets path
	LogFile   string // pluto's stderr log
	Ctl       string // control socket: RunDir/pluto.ctl
	Args      []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// PreparePluto creates the private directory, NSS db, config and secrets of
// a test pluto without starting it. Whatever is started later inside its
// namespace is killed when the namespace goes away.
func PreparePluto(t testing.TB, opts *PlutoOptions) *Pluto {
	t.Helper()
	if opts == nil {
		opts = &PlutoOptions{}
	}
	var ls Libreswan
	if opts.Libreswan != nil {
		ls = *opts.Libreswan
	} else {
		ls = MustHaveLibreswan(t)
	}
	certutil := MustHaveCommand(t, "certutil")
	ns := opts.NetNS
	if ns == nil {
		ns = NewNetNS(t, "gsp")
	}
	dir := t.TempDir()
	p := &Pluto{
		Libreswan: ls, NetNS: ns, Dir: dir,
		NSSDir: filepath.Join(dir, "nss"), RunDir: filepath.Join(dir, "run"),
		DumpDir: filepath.Join(dir, "dump"), Config: filepath.Join(dir, "ipsec.conf"),
		Secrets: filepath.Join(dir, "ipsec.secrets"), LogFile: filepath.Join(dir, "pluto.log"),
		Args: opts.Args,
	}
	p.Ctl = filepath.Join(p.RunDir, "pluto.ctl")
	for _, d := range []string{p.NSSDir, p.RunDir, p.DumpDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command(certutil, "-N", "-d", "sql:"+p.NSSDir, "--empty-password").CombinedOutput(); err != nil {
		t.Fatalf("certutil -N: %v: %s", err, out)
	}
	cfg := opts.Config
	if cfg == "" {
		cfg = DefaultPlutoConfig
	}
	if err := os.WriteFile(p.Config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.Secrets, []byte(opts.Secrets), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// StartPluto prepares a pluto and starts it, waiting until its control
// socket answers. It is shut down in t.Cleanup.
func StartPluto(t testing.TB, opts *PlutoOptions) *Pluto {
	t.Helper()
	p := PreparePluto(t, opts)
	p.Start(t)
	return p
}

// PlutoArgv is the command line (after the program name) that runs a pluto
// on these files in the foreground.
func (p *Pluto) PlutoArgv() []string {
	return append([]string{"--nofork", "--stderrlog", "--no-dnssec",
		"--config", p.Config, "--secretsfile", p.Secrets, "--rundir", p.RunDir,
		"--nssdir", p.NSSDir, "--dumpdir", p.DumpDir, "--ipsecdir", p.Dir}, p.Args...)
}

// Start runs pluto inside the namespace and waits (up to 10 s) until
// `whack --status` answers. Cleanup stops it.
func (p *Pluto) Start(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	started := p.cmd != nil
	p.mu.Unlock()
	if started {
		t.Fatalf("pluto in %s already started", p.Dir)
	}
	log, err := os.OpenFile(p.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := p.NetNS.Command(append([]string{p.Libreswan.Pluto}, p.PlutoArgv()...)...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		t.Fatalf("starting pluto: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); log.Close(); close(done) }()
	p.mu.Lock()
	p.cmd, p.done = cmd, done
	p.mu.Unlock()
	t.Cleanup(func() { p.Stop(t) })
	if err := p.WaitReady(10 * time.Second); err != nil {
		t.Fatalf("%v\npluto log:\n%s", err, p.Log())
	}
}

// WaitReady polls the control socket until pluto answers or limit passes.
func (p *Pluto) WaitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		if _, err := p.Whack("--status"); err == nil {
			return nil
		}
		if p.exited() {
			return fmt.Errorf("pluto in %s exited before answering", p.Dir)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pluto in %s: no answer on %s after %v", p.Dir, p.Ctl, limit)
		}
		time.Sleep(30 * time.Millisecond)
	}
}

func (p *Pluto) exited() bool {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// Running reports whether a pluto answers on this pluto's control socket
// (whoever started it).
func (p *Pluto) Running() bool {
	_, err := p.Whack("--status")
	return err == nil
}

// Whack runs Libreswan's whack against this pluto's control socket and
// returns its combined output. The error carries whack's exit status.
func (p *Pluto) Whack(args ...string) (string, error) {
	cmd := exec.Command(p.Libreswan.Whack, append([]string{"--ctlsocket", p.Ctl}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("whack %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

// MustWhack is Whack that fails the test on error.
func (p *Pluto) MustWhack(t testing.TB, args ...string) string {
	t.Helper()
	out, err := p.Whack(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Addconn runs Libreswan's addconn against this pluto with the given config
// file (its own Config when file is "").
func (p *Pluto) Addconn(file string, args ...string) (string, error) {
	if file == "" {
		file = p.Config
	}
	cmd := exec.Command(p.Libreswan.Addconn, append([]string{"--config", file, "--ctlsocket", p.Ctl}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("addconn %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// Log returns what pluto has logged so far.
func (p *Pluto) Log() string {
	b, _ := os.ReadFile(p.LogFile)
	return string(b)
}

// WaitLog waits until pluto's log contains substr; it reports whether it
// did within limit.
func (p *Pluto) WaitLog(substr string, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for {
		if strings.Contains(p.Log(), substr) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// Stop shuts a pluto started by Start down: `whack --shutdown`, then SIGKILL
// if it is still there after 5 s. It is idempotent and safe after pluto
// died by itself.
func (p *Pluto) Stop(t testing.TB) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	p.Whack("--shutdown")
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		t.Logf("pluto in %s ignored --shutdown; killed", p.Dir)
	}
}
