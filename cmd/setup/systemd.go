package setup

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"goswan/cmd/internal/applet"
	"goswan/cmd/internal/pluto"
	"goswan/conf"
)

// Unit is the systemd service goswan installs (scripts/systemd): pluto
// under systemd, started by `ipsec setup _plutorun` with the options
// goswan's reading of ipsec.conf gives, its conns loaded by
// `ipsec setup _plutoload`.
const Unit = "goswan-ipsec.service"

// systemdRunning reports whether systemd is the init system (what
// sd_booted(3) checks).
func systemdRunning() bool {
	fi, err := os.Stat("/run/systemd/system")
	return err == nil && fi.IsDir()
}

// viaSystemd hands start, stop and restart to systemctl when goswan's unit
// is enabled, as Libreswan's setup hands them to ipsec.service, so that one
// manager owns pluto. It reports whether it did. The unit reads
// /etc/ipsec.conf and runs pluto in /run/pluto: a setup told of another
// configuration or run directory runs by itself, as does --showonly.
func (s *setup) viaSystemd(verb string) (bool, error) {
	op := map[string]string{"start": "start", "_autostart": "start", "stop": "stop", "_autostop": "stop",
		"restart": "restart", "force-reload": "restart"}[verb]
	if op == "" || s.showonly || s.cfgPath != "/etc/ipsec.conf" || s.rundir != pluto.DefaultRunDir || !systemdRunning() {
		return false, nil
	}
	systemctl, err := exec.LookPath("systemctl")
	if err != nil {
		return false, nil
	}
	if exec.Command(systemctl, "is-enabled", "--quiet", Unit).Run() != nil {
		return false, nil
	}
	s.say("Redirecting to: systemctl %s %s", op, Unit)
	cmd := exec.Command(systemctl, op, Unit)
	cmd.Stdout, cmd.Stderr = s.out, s.err
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return true, applet.Exit(ee.ExitCode(), nil)
		}
		return true, err
	}
	return true, nil
}

// plutoRun is `ipsec setup _plutorun`, the unit's ExecStart: it computes
// pluto's options from ipsec.conf as start does and becomes pluto in the
// foreground (--nofork), keeping its process id, so that pluto's own
// sd_notify, watchdog and exit status reach systemd.
func (s *setup) plutoRun() error {
	cfg, err := conf.Load(s.cfgPath, &conf.Options{})
	if err != nil {
		return err
	}
	applet.PrintWarnings(s.err, cfg.Warnings)
	// As start: a bad config setup keyword is left out and pluto starts.
	if cfg.Setup.Err != nil {
		applet.Report(s.err, "", cfg.Setup.Err)
		s.warn("config setup: the keywords above are ignored")
	}
	if b, set := cfg.Setup.Bool("pluto"); set && !b {
		return fmt.Errorf("config setup says pluto=no: there is no pluto to run under systemd; use ipsec setup start for the manually keyed conns")
	}
	s.detectVersion()
	args, text, warnings := plutoConfig(&cfg.Setup, s.version, s.rundir, applet.SecretsPath())
	for _, w := range warnings {
		s.warn(w)
	}
	if err := s.ensureNSS(cfg); err != nil {
		return err
	}
	if v := cfg.Setup.String("prepluto"); v != "" {
		s.shell(v)
	}
	s.forward(cfg)
	args = append(args, "--nofork")
	if !s.showCmd(append([]string{s.progs.Pluto}, args...)) {
		return nil
	}
	if err := os.MkdirAll(s.rundir, 0o700); err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(s.rundir, "goswan-setup.conf"), []byte(text)); err != nil {
		return err
	}
	argv := append([]string{s.progs.Pluto}, args...)
	err = syscall.Exec(s.progs.Pluto, argv, os.Environ())
	return fmt.Errorf("running %s: %w", s.progs.Pluto, err)
}

// plutoLoad is `ipsec setup _plutoload`, the unit's ExecStartPost: with
// pluto up, it loads the conns ipsec.conf asks for and starts the manually
// keyed ones, as start does after starting pluto. A conn that cannot load
// is reported and skipped, and the exit status says so; the others load.
func (s *setup) plutoLoad() error {
	cfg, err := conf.Load(s.cfgPath, &conf.Options{})
	if err != nil {
		return err
	}
	applet.PrintWarnings(s.err, cfg.Warnings)
	if !s.showonly && !s.d.Answers() {
		return fmt.Errorf("pluto does not answer on %s", s.d.Whack.CtlSocket)
	}
	skipped := applet.ReportSkipped(s.err, "ipsec setup", cfg.Unusable())
	if v := cfg.Setup.String("postpluto"); v != "" {
		s.shell(v)
	}
	s.detectVersion()
	if err := s.autostart(cfg); err != nil {
		return err
	}
	if err := s.startManual(cfg); err != nil {
		return err
	}
	return skipped
}
