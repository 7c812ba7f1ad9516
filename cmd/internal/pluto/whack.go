package pluto

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"strings"
	"sync"
)

// Whack runs Libreswan's whack against one control socket.
type Whack struct {
	Path      string // the whack program
	CtlSocket string
}

// Argv is the full command line for args.
func (w *Whack) Argv(args []string) []string {
	return append([]string{w.Path, "--ctlsocket", w.CtlSocket}, args...)
}

// ShowArgv is the command line --showonly prints: "ipsec whack" as
// Libreswan's auto prints it, so the line works on any Libreswan host.
func (w *Whack) ShowArgv(args []string) []string {
	return append([]string{"ipsec", "whack", "--ctlsocket", w.CtlSocket}, args...)
}

// Run runs whack with args, copying its output (pluto's numbered progress
// lines) to out. It returns whack's exit status; err is set only when whack
// could not be run at all.
func (w *Whack) Run(out io.Writer, args ...string) (int, error) {
	return w.run(context.Background(), out, args...)
}

func (w *Whack) run(ctx context.Context, out io.Writer, args ...string) (int, error) {
	argv := w.Argv(args)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case ctx.Err() != nil:
		return -1, fmt.Errorf("%s %s: %w: no reply within %v", w.Path, strings.Join(args, " "), ErrNoAnswer, ReplyTimeout)
	case errors.As(err, &ee):
		return ee.ExitCode(), nil
	default:
		return -1, fmt.Errorf("running %s: %w", w.Path, err)
	}
}

// Result is the outcome of one whack command of a batch.
type Result struct {
	Args   []string
	Output []byte
	Status int
	Err    error
}

// RunBatch runs independent whack commands concurrently (pluto handles
// them one at a time; what runs in parallel is whack's own start-up, which
// dominates) and returns the results in input order. Each is bounded by
// ReplyTimeout: they are adds, keys, routes and asynchronous initiates,
// which pluto answers at once. Eight workers per CPU
// measured fastest for 1,000 conns on 2 CPUs (2: 1.44 s, 8: 1.07 s,
// 16: 1.86 s; scripts/bench-auto.sh).
func (w *Whack) RunBatch(cmds [][]string, workers int) []Result {
	if workers <= 0 {
		workers = 8 * runtime.NumCPU()
	}
	res := make([]Result, len(cmds))
	next := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < workers && i < len(cmds); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				var buf bytes.Buffer
				ctx, cancel := context.WithTimeout(context.Background(), ReplyTimeout)
				st, err := w.run(ctx, &buf, cmds[j]...)
				cancel()
				res[j] = Result{Args: cmds[j], Output: buf.Bytes(), Status: st, Err: err}
			}
		}()
	}
	for j := range cmds {
		next <- j
	}
	close(next)
	wg.Wait()
	return res
}

// SetupOption asks the running pluto for one of its config setup options
// as `whack --status` lists them ("config setup options:", Libreswan 5:
// "ddos-mode=auto, ikev1-policy=accept"); ok is false when pluto does not
// list it. It reads no further than the line naming the option, since
// the status of every conn follows.
func (w *Whack) SetupOption(name string) (value string, ok bool, err error) {
	argv := w.Argv([]string{"--status"})
	cmd := exec.Command(argv[0], argv[1:]...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", false, err
	}
	if err := cmd.Start(); err != nil {
		return "", false, fmt.Errorf("running %s: %w", w.Path, err)
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() && !ok {
		for _, f := range strings.Split(strings.TrimPrefix(sc.Text(), "000 "), ",") {
			if k, v, found := strings.Cut(strings.TrimSpace(f), "="); found && k == name {
				value, ok = v, true
			}
		}
	}
	out.Close() // whack stops on the closed pipe
	cmd.Wait()  // its status says nothing once the pipe is closed
	return value, ok, nil
}
