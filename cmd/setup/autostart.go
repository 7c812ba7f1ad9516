package setup

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"goswan/cmd/internal/applet"
	"goswan/cmd/internal/pluto"
	"goswan/conf"
)

// plan says what start does with each conn.
type plan struct {
	add, route, initiate []*conf.Conn
	manual               []string
	missing              []string // names in plutoload/plutostart/manualstart that do not exist
}

// listOrSearch reads FreeS/WAN's plutoload/plutostart: unset or %search
// means "decide by auto=", %none means nothing, else a list of names.
func listOrSearch(s *conf.Section, kw string) (names []string, search bool) {
	v, ok := s.Get(kw)
	if !ok || strings.EqualFold(strings.TrimSpace(v.Raw), "%search") {
		return nil, true
	}
	if strings.EqualFold(strings.TrimSpace(v.Raw), "%none") {
		return nil, false
	}
	return conf.SplitList(v.Raw), false
}

// makePlan decides, as addconn --autoall and FreeS/WAN's setup did, which
// usable conns are added, routed, initiated and manually started (the
// unusable ones are reported by start, with their errors).
func makePlan(cfg *conf.Config) plan {
	var p plan
	loadNames, loadSearch := listOrSearch(&cfg.Setup, "plutoload")
	startNames, startSearch := listOrSearch(&cfg.Setup, "plutostart")
	added := map[string]bool{}
	addConn := func(c *conf.Conn) {
		if !added[c.Name] {
			added[c.Name] = true
			p.add = append(p.add, c)
		}
	}
	lookup := func(n string) *conf.Conn {
		c := cfg.Conn(n)
		if c == nil {
			p.missing = append(p.missing, n)
		}
		if c != nil && c.Err != nil {
			return nil
		}
		return c
	}
	for _, n := range loadNames {
		if c := lookup(n); c != nil && !c.IsManual() {
			addConn(c)
		}
	}
	for _, n := range startNames {
		if c := lookup(n); c != nil && !c.IsManual() {
			addConn(c)
			p.initiate = append(p.initiate, c)
		}
	}
	for _, c := range cfg.Usable() {
		if c.IsManual() {
			if c.Auto() == "manual" {
				p.manual = append(p.manual, c.Name)
			}
			continue
		}
		switch c.Auto() {
		case "add", "keep":
			if loadSearch {
				addConn(c)
			}
		case "ondemand":
			if loadSearch {
				addConn(c)
				p.route = append(p.route, c)
			}
		case "start":
			if startSearch {
				addConn(c)
				p.initiate = append(p.initiate, c)
			}
		}
	}
	for _, n := range cfg.Setup.List("manualstart") {
		if c := lookup(n); c != nil && !contains(p.manual, n) {
			p.manual = append(p.manual, n)
		}
	}
	return p
}

// autostart loads the planned conns in bulk, makes pluto rescan its
// interfaces, then routes and initiates (asynchronously) as addconn's
// passes do.
func (s *setup) autostart(cfg *conf.Config) error {
	p := makePlan(cfg)
	for _, n := range p.missing {
		s.warn(fmt.Sprintf("conn %q named in config setup does not exist", n))
	}
	l := &pluto.Loader{Whack: s.d.Whack, Env: pluto.System(), Out: s.out, Err: s.err,
		Prog: "ipsec setup", ShowOnly: s.showonly, Show: s.show, Setup: &cfg.Setup, Version: s.version}
	var firstErr error
	if err := l.Add(p.add); err != nil {
		if errors.Is(err, pluto.ErrNoAnswer) {
			// pluto died or hangs: nothing more can be loaded.
			return err
		}
		// One bad conn must not keep the others down: report it and go on.
		applet.Report(s.err, "setup", err)
		firstErr = err
	}
	var cmds [][]string
	cmds = append(cmds, []string{"--listen"})
	if err := l.RunAll(cmds); err != nil && firstErr == nil {
		firstErr = err
	}
	cmds = nil
	for _, c := range p.route {
		if !l.Failed[c.Name] {
			cmds = append(cmds, []string{"--name", c.Name, "--route"})
		}
	}
	for _, c := range p.initiate {
		if !l.Failed[c.Name] {
			cmds = append(cmds, []string{"--name", c.Name, "--initiate", "--asynchronous"})
		}
	}
	if err := l.RunAll(cmds); err != nil && firstErr == nil {
		firstErr = err
	}
	if firstErr != nil {
		return applet.Exit(applet.Status(firstErr), nil)
	}
	return nil
}

// startManual brings up the manually keyed conns through `ipsec manual`
// when this build has it.
func (s *setup) startManual(cfg *conf.Config) error {
	p := makePlan(cfg)
	if len(p.manual) == 0 {
		return nil
	}
	if s.c.App.Command("manual") == nil {
		s.warn(fmt.Sprintf("%v; manually keyed conns not started: %s", errNoManual, strings.Join(p.manual, " ")))
		return nil
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	failed := false
	for _, n := range p.manual {
		argv := []string{self, "manual", "--config", s.cfgPath, "--up", n}
		if !s.showCmd(argv) {
			continue
		}
		cmd := exec.Command(argv[0], argv[1:]...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			failed = true
			s.warn(fmt.Sprintf("ipsec manual --up %s: %v: %s", n, err, strings.TrimSpace(out.String())))
		}
	}
	if failed {
		return applet.Exit(applet.ExitFailure, nil)
	}
	return nil
}
