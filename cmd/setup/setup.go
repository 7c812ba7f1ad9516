// Package setup is `ipsec setup`: it starts Libreswan's pluto with the
// options `config setup` implies, loads the conns ipsec.conf asks for
// (auto=, or FreeS/WAN's plutoload/plutostart), starts the manually keyed
// ones, and stops, restarts and reports on pluto, as FreeS/WAN's setup did
// for KLIPS and Pluto.
package setup

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"goswan/cmd/internal/applet"
	"goswan/cmd/internal/oeconf"
	"goswan/cmd/internal/pluto"
	"goswan/conf"
)

// Exit statuses beyond 0/1/2, from the LSB init-script conventions.
const (
	// exitDeadPidFile: status found a pid file whose pluto is gone.
	exitDeadPidFile = 1
	// exitNotRunning: status found pluto stopped.
	exitNotRunning = 3
	// exitNotInstalled: Libreswan's pluto or whack is missing.
	exitNotInstalled = 5
)

// Command returns the `ipsec setup` applet.
func Command() *cli.Command {
	return &cli.Command{
		Name:      "setup",
		Usage:     "start, stop or restart IPsec: load the configuration and the kernel state",
		UsageText: "ipsec setup [--config F] [--rundir DIR] [--showonly] start|stop|restart|status|_plutorun|_plutoload",
		Flags: []cli.Flag{
			applet.ConfigFlag(),
			&cli.StringFlag{Name: "rundir", Usage: "pluto's run `DIR` (pid file, control socket)", Value: pluto.DefaultRunDir, EnvVars: []string{"IPSEC_RUNDIR"}},
			&cli.StringFlag{Name: "execdir", Usage: "find Libreswan's pluto and whack in `DIR`"},
			&cli.BoolFlag{Name: "showonly", Usage: "print what start/stop/restart would run, run nothing"},
			&cli.BoolFlag{Name: "show", Usage: "print each command before running it"},
			&cli.DurationFlag{Name: "timeout", Usage: "how long to wait for pluto to answer or exit", Value: 10 * time.Second},
		},
		Action: run,
	}
}

type setup struct {
	c        *cli.Context
	out, err io.Writer
	cfgPath  string
	rundir   string
	progs    pluto.Programs
	version  pluto.Version // the release of progs (4.10 when it cannot be told)
	d        *pluto.Daemon
	showonly bool
	show     bool
	timeout  time.Duration
}

func run(c *cli.Context) error {
	if c.NArg() != 1 {
		return applet.Usagef("expected one of start, stop, restart, status")
	}
	verb := strings.TrimPrefix(c.Args().First(), "--")
	switch verb {
	case "start", "stop", "restart", "status", "force-reload", "_autostart", "_autostop", "_plutorun", "_plutoload":
	default:
		return applet.Usagef("unknown operation %q: expected start, stop, restart or status", c.Args().First())
	}
	s := &setup{c: c, out: c.App.Writer, err: c.App.ErrWriter, cfgPath: applet.ConfigPath(c),
		rundir: c.String("rundir"), showonly: c.Bool("showonly"), show: c.Bool("show"),
		timeout: c.Duration("timeout")}
	if s.showonly && verb == "status" {
		return applet.Usagef("ipsec setup status does not support --showonly")
	}
	progs, err := pluto.Find(c.String("execdir"))
	if err != nil && !s.showonly {
		return applet.Exit(exitNotInstalled, err)
	}
	if err != nil {
		progs = pluto.Programs{Pluto: "pluto", Whack: "whack"}
	}
	if verb != "status" && !s.showonly && os.Geteuid() != 0 {
		return applet.Exit(applet.ExitFailure, fmt.Errorf("permission denied (must be superuser)"))
	}

	s.progs = progs
	s.d = pluto.NewDaemon(progs, s.rundir)
	if done, err := s.viaSystemd(verb); done {
		return err
	}
	if verb != "status" && !s.showonly {
		// Concurrent start/stop/restart (and auto's loads) on one run
		// directory take turns: one pluto, never two.
		if err := os.MkdirAll(s.rundir, 0o700); err != nil {
			return err
		}
		l, err := pluto.LockRunDir(s.rundir, pluto.RunDirLockWait)
		if err != nil {
			return err
		}
		defer l.Unlock()
	}
	switch verb {
	case "_plutorun": // the systemd unit's ExecStart
		return s.plutoRun()
	case "_plutoload": // and its ExecStartPost
		return s.plutoLoad()
	case "start", "_autostart":
		return s.start()
	case "stop", "_autostop":
		return s.stop()
	case "restart", "force-reload":
		if err := s.stop(); err != nil {
			return err
		}
		return s.start()
	}
	return s.status()
}

func (s *setup) say(format string, args ...any) {
	fmt.Fprintf(s.out, format+"\n", args...)
}

func (s *setup) warn(msg string) {
	fmt.Fprintf(s.err, "ipsec setup: warning: %s\n", msg)
}

// showCmd prints a command as FreeS/WAN's --show did and reports whether
// to run it.
func (s *setup) showCmd(argv []string) bool {
	if s.showonly || s.show {
		fmt.Fprintln(s.out, pluto.Quote(argv))
	}
	return !s.showonly
}

func (s *setup) start() error {
	cfg, err := conf.Load(s.cfgPath, &conf.Options{})
	if err != nil {
		return err
	}
	applet.PrintWarnings(s.err, cfg.Warnings)
	if st, pid := s.d.State(); st == pluto.Running {
		s.say("IPsec already running (pluto pid %d); start is a no-op", pid)
		return nil
	}
	// A bad config setup keyword is left out (pluto gets its default)
	// and a conn that cannot load is skipped: everything else starts,
	// and the exit status says something was skipped.
	var skipped error
	if cfg.Setup.Err != nil {
		applet.Report(s.err, "", cfg.Setup.Err)
		s.warn("config setup: the keywords above are ignored")
		skipped = applet.Exit(applet.ExitFailure, nil)
	}
	if err := applet.ReportSkipped(s.err, "ipsec setup", cfg.Unusable()); err != nil {
		skipped = err
	}
	if err := s.startConfig(cfg); err != nil {
		return err
	}
	return skipped
}

// startConfig starts pluto with cfg's config setup and loads cfg's usable
// conns.
func (s *setup) startConfig(cfg *conf.Config) error {
	st, pid := s.d.State()
	switch st {
	case pluto.Running:
		s.say("IPsec already running (pluto pid %d); start is a no-op", pid)
		return nil
	case pluto.Stale:
		s.say("removing stale pid file %s (pid %d is not running)", s.d.PidFile(), pid)
		if !s.showonly {
			if err := s.d.CleanStale(); err != nil {
				return err
			}
		}
	}
	if b, set := cfg.Setup.Bool("pluto"); set && !b {
		s.warn("pluto=no: not starting pluto; only manually keyed conns are started")
		return s.startManual(cfg)
	}
	s.detectVersion()
	args, text, warnings := plutoConfig(&cfg.Setup, s.version, s.rundir, applet.SecretsPath())
	for _, w := range warnings {
		s.warn(w)
	}
	if err := s.ensureNSS(cfg); err != nil {
		return err
	}
	cfg, notes := oeconf.Complete(cfg, secretsFile(cfg))
	for _, n := range notes {
		s.say("%s", n)
	}
	if err := s.installPolicies(cfg); err != nil {
		return err
	}
	if err := s.importHostKeys(cfg, secretsFile(cfg)); err != nil {
		return err
	}
	if v := cfg.Setup.String("prepluto"); v != "" {
		s.shell(v)
	}
	s.forward(cfg)
	s.say("Starting IPsec (Libreswan pluto) from %s...", s.cfgPath)
	if s.showCmd(append([]string{s.progs.Pluto}, args...)) {
		if err := os.MkdirAll(s.rundir, 0o700); err != nil {
			return err
		}
		if err := writeAtomic(filepath.Join(s.rundir, "goswan-setup.conf"), []byte(text)); err != nil {
			return err
		}
		pid, err := s.d.Start(args, s.timeout)
		if err != nil {
			return err
		}
		s.say("pluto started, pid %d", pid)
	}
	if v := cfg.Setup.String("postpluto"); v != "" {
		s.shell(v)
	}
	if err := s.autostart(cfg); err != nil {
		if !s.showonly {
			if errors.Is(err, pluto.ErrNoAnswer) {
				// A killed pluto's socket closes before its
				// process is gone: give it a moment to go.
				for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
					if st, _ := s.d.State(); st != pluto.Running {
						break
					}
				}
			}
			if st, _ := s.d.State(); st != pluto.Running {
				// pluto died while loading: leave no pid file or
				// socket claiming it runs.
				s.d.CleanStale()
				s.warn("pluto exited while conns were loading; its pid file and socket are removed")
			}
		}
		return err
	}
	return s.startManual(cfg)
}

// ensureNSS creates an empty NSS database when there is none, as
// Libreswan's `ipsec checknss` does before pluto starts; pluto refuses to
// run without one.
func (s *setup) ensureNSS(cfg *conf.Config) error {
	dir := cfg.Setup.String("nssdir")
	if dir == "" {
		dir = "/var/lib/ipsec/nss"
	}
	if _, err := os.Stat(filepath.Join(dir, "cert9.db")); err == nil {
		return nil
	}
	certutil, err := exec.LookPath("certutil")
	if err != nil {
		return fmt.Errorf("no NSS database in %s and no certutil to create one; install libnss3-tools", dir)
	}
	argv := []string{certutil, "-N", "-d", "sql:" + dir, "--empty-password"}
	if !s.showCmd(argv) {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		return fmt.Errorf("creating NSS database in %s: %v: %s", dir, err, bytes.TrimSpace(out))
	}
	s.say("created NSS database in %s", dir)
	return nil
}

// forward switches IP forwarding on for forwardcontrol=yes, as FreeS/WAN
// did.
func (s *setup) forward(cfg *conf.Config) {
	if b, _ := cfg.Setup.Bool("forwardcontrol"); !b {
		return
	}
	const f = "/proc/sys/net/ipv4/ip_forward"
	if s.showCmd([]string{"sh", "-c", "echo 1 > " + f}) {
		if err := os.WriteFile(f, []byte("1\n"), 0o644); err != nil {
			s.warn(fmt.Sprintf("forwardcontrol: %v", err))
		}
	}
}

func (s *setup) shell(cmd string) {
	if !s.showCmd([]string{"sh", "-c", cmd}) {
		return
	}
	c := exec.Command("sh", "-c", cmd)
	c.Stdout, c.Stderr = s.out, s.err
	if err := c.Run(); err != nil {
		s.warn(fmt.Sprintf("%q: %v", cmd, err))
	}
}

func (s *setup) stop() error {
	st, pid := s.d.State()
	switch st {
	case pluto.Stopped:
		s.say("IPsec not running; stop is a no-op")
		return nil
	case pluto.Stale:
		s.say("removing stale pid file %s (pid %d is not running)", s.d.PidFile(), pid)
		if s.showonly {
			return nil
		}
		return s.d.CleanStale()
	}
	s.say("Stopping IPsec (pluto pid %d)...", pid)
	if s.showCmd(s.d.Whack.ShowArgv([]string{"--shutdown"})) {
		if err := s.d.Stop(s.timeout); err != nil {
			return err
		}
	}
	// pluto removes its SAs and policies on shutdown; what a crash or a
	// manual conn left behind goes now, as Libreswan's setup does.
	if s.showCmd([]string{"ip", "xfrm", "state", "flush"}) {
		if err := flushXfrm(); err != nil {
			s.warn(fmt.Sprintf("flushing kernel IPsec state: %v", err))
		}
	}
	s.say("IPsec stopped")
	return nil
}

func (s *setup) status() error {
	st, pid := s.d.State()
	switch st {
	case pluto.Running:
		if pid > 0 {
			s.say("IPsec running (pluto pid %d)", pid)
		} else {
			s.say("IPsec running (pluto without pid file)")
		}
		var out bytes.Buffer
		if code, err := s.d.Whack.Run(&out, "--briefstatus"); err == nil && code == 0 {
			for _, l := range strings.Split(out.String(), "\n") {
				if strings.Contains(l, "Total IPsec connections") || strings.Contains(l, "IKE SAs:") || strings.Contains(l, "IPsec SAs:") {
					s.say("%s", strings.TrimSpace(strings.TrimPrefix(l, "000 ")))
				}
			}
		}
		return nil
	case pluto.Stale:
		s.say("IPsec stopped")
		s.say("but... pid file %s names pid %d, which is not running", s.d.PidFile(), pid)
		return applet.Exit(exitDeadPidFile, nil)
	}
	s.say("IPsec stopped")
	return applet.Exit(exitNotRunning, nil)
}

// writeAtomic writes a file through a temporary name so a reader never
// sees half of it.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

var errNoManual = errors.New("ipsec manual is not available in this goswan build")

// detectVersion asks the installed pluto which Libreswan release it is, so
// that its options and conns are spelled for that release; a pluto that
// does not say is taken as 4.10's.
func (s *setup) detectVersion() {
	s.version = pluto.V4_10
	if v, err := pluto.ProgramVersion(s.progs.Pluto); err == nil {
		s.version = v
	} else if !s.showonly {
		s.warn(fmt.Sprintf("%v; starting pluto as Libreswan 4.10's", err))
	}
}
