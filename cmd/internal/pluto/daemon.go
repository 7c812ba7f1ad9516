package pluto

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// State is what a pid file and the control socket say about pluto.
type State int

const (
	// Stopped: no pid file and nothing answers.
	Stopped State = iota
	// Running: the pid file names a live pluto.
	Running
	// Stale: a pid file names a process that is gone (or is not pluto).
	Stale
)

func (s State) String() string {
	return [...]string{"stopped", "running", "stale pid file"}[s]
}

// Daemon starts, watches and stops one pluto, identified by its run
// directory (pid file RUNDIR/pluto.pid, socket RUNDIR/pluto.ctl).
type Daemon struct {
	Pluto  string // pluto program
	Whack  *Whack
	RunDir string
}

// NewDaemon describes the pluto whose files live in rundir.
func NewDaemon(progs Programs, rundir string) *Daemon {
	if rundir == "" {
		rundir = DefaultRunDir
	}
	return &Daemon{Pluto: progs.Pluto, RunDir: rundir,
		Whack: &Whack{Path: progs.Whack, CtlSocket: filepath.Join(rundir, "pluto.ctl")}}
}

// PidFile is where pluto records its pid.
func (d *Daemon) PidFile() string { return filepath.Join(d.RunDir, "pluto.pid") }

// State reads the pid file and checks the process it names.
func (d *Daemon) State() (State, int) {
	b, err := os.ReadFile(d.PidFile())
	if err != nil {
		if d.Answers() {
			// A pluto without pid file (started by hand, --nofork):
			// it is running all the same.
			return Running, 0
		}
		return Stopped, 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return Stale, 0
	}
	if !isPluto(pid) {
		return Stale, pid
	}
	return Running, pid
}

// isPluto reports whether pid is a live process called pluto.
func isPluto(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return false
	}
	// A killed pluto whose parent has not reaped it yet is a zombie: it
	// still has a name, but it is not running. (A leader thread that
	// exited before the others shows Z too, while pluto still runs: only
	// a zombie without other threads counts as gone.)
	if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
			if tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid)); err == nil && len(tasks) <= 1 {
				return false
			}
		}
	}
	return strings.TrimSpace(string(comm)) == "pluto"
}

// Answers reports whether pluto answers on the control socket.
func (d *Daemon) Answers() bool {
	if _, err := os.Stat(d.Whack.CtlSocket); err != nil {
		return false
	}
	var out bytes.Buffer
	st, err := d.Whack.Run(&out, "--status")
	return err == nil && st == 0
}

// CleanStale removes a pid file and socket left by a pluto that died.
func (d *Daemon) CleanStale() error {
	for _, f := range []string{d.PidFile(), d.Whack.CtlSocket} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Start runs pluto with args (it forks and writes its pid file) and waits
// until its control socket answers.
func (d *Daemon) Start(args []string, wait time.Duration) (int, error) {
	if err := os.MkdirAll(d.RunDir, 0o700); err != nil {
		return 0, err
	}
	// pluto forks: the parent returns once the child runs, and its exit
	// status tells whether the options were accepted. The child keeps
	// stdout and stderr, so they go to a file, not a pipe that would
	// never close.
	logf, err := os.CreateTemp(d.RunDir, "pluto-start-*.log")
	if err != nil {
		return 0, err
	}
	defer os.Remove(logf.Name())
	defer logf.Close()
	cmd := exec.Command(d.Pluto, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	runErr := cmd.Run()
	output := func() string {
		b, _ := os.ReadFile(logf.Name())
		return strings.TrimSpace(string(b))
	}
	if runErr != nil {
		return 0, fmt.Errorf("pluto failed to start: %v: %s", runErr, output())
	}
	deadline := time.Now().Add(wait)
	for {
		if d.Answers() {
			st, pid := d.State()
			if st == Running {
				return pid, nil
			}
		}
		if time.Now().After(deadline) {
			// A pluto that never answers is stopped, not left
			// half-started with a pid file that says it runs.
			if _, pid := d.State(); pid > 0 && isPluto(pid) {
				syscall.Kill(pid, syscall.SIGKILL)
				for i := 0; i < 100 && isPluto(pid); i++ {
					time.Sleep(20 * time.Millisecond)
				}
			}
			d.CleanStale()
			return 0, fmt.Errorf("pluto did not answer on %s within %v; stopped it: %s", d.Whack.CtlSocket, wait, output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop asks pluto to shut down (whack --shutdown), waits for the process
// to go, and kills it if it does not within wait.
func (d *Daemon) Stop(wait time.Duration) error {
	st, pid := d.State()
	if st != Running {
		return nil
	}
	var out bytes.Buffer
	d.Whack.Run(&out, "--shutdown")
	if pid == 0 {
		return nil
	}
	deadline := time.Now().Add(wait)
	for isPluto(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGTERM)
			time.Sleep(500 * time.Millisecond)
			if isPluto(pid) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// pluto has exited; give its parent (init, as pluto forks) a moment
	// to reap it, so that no one sees its pid alive after stop.
	for i := 0; i < 50 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	return d.CleanStale()
}
