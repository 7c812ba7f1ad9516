// Package health holds the checks of `ipsec verify`: each one looks at the
// system through sysinfo.System and returns results that verify prints in
// Libreswan's layout (or as JSON) and barf embeds in its report.
//
// A Check is a function, so more checks are appended by the caller: the
// Opportunistic Encryption DNS checks are added by the verify applet. Checks
// run concurrently; their results keep the order of the list.
package health

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"

	"goswan/cmd/internal/sysinfo"
	"goswan/conf"
)

// Status is the outcome of one check.
type Status int

const (
	OK      Status = iota
	NA             // not applicable here
	Warning        // works, but should be looked at
	Failed         // IPsec will not work as configured
	Note           // a heading or remark, not a check
)

var statusNames = [...]string{"ok", "n/a", "warning", "failed", "note"}

func (s Status) String() string { return statusNames[s] }

// MarshalText gives the JSON spelling.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Result is one printed line of verify.
type Result struct {
	// Name is the label ("Checking that pluto is running"); sub-checks
	// start with blanks, as in Libreswan's output.
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Word is what appears between the brackets: OK, FAILED, NOT
	// DISABLED ... (Libreswan's words where it has the check).
	Word string `json:"result,omitempty"`
	// Detail is printed below the line (versions, offending files,
	// positioned errors).
	Detail string `json:"detail,omitempty"`
	// Hint says what to do about a warning or failure.
	Hint string `json:"hint,omitempty"`
}

// Check produces the results of one check, in order.
type Check func(ctx context.Context, e *Env) []Result

// Env is what the checks look at.
type Env struct {
	Sys     sysinfo.System
	Config  string // ipsec.conf
	Secrets string // ipsec.secrets unless the config's secretsfile= says otherwise
	RunDir  string // pluto's run directory (pluto.pid, pluto.ctl)
	NSSDir  string // NSS database unless the config's nssdir= says otherwise
	Version string // the version line of this program
	// Pluto is Libreswan's pluto; "" looks in the usual directories.
	Pluto string

	cfgOnce sync.Once
	cfg     *conf.Config
	cfgErr  error
	xfrm    sync.Once
	kernel  sysinfo.XFRM
	lsOnce  sync.Once
	ls      libreswan
}

// Conf loads the configuration once for all checks. The Config may be
// non-nil with an error (it is then as complete as the input allowed).
func (e *Env) Conf() (*conf.Config, error) {
	e.cfgOnce.Do(func() {
		e.cfg, e.cfgErr = conf.Load(e.Config, &conf.Options{RootDir: e.Sys.RootDir()})
	})
	return e.cfg, e.cfgErr
}

// Kernel asks the kernel about XFRM once for all checks.
func (e *Env) Kernel(ctx context.Context) sysinfo.XFRM {
	e.xfrm.Do(func() { e.kernel = e.Sys.XFRM(ctx) })
	return e.kernel
}

// setup returns a `config setup` value, or def.
func (e *Env) setup(kw, def string) string {
	if cfg, _ := e.Conf(); cfg != nil {
		if v := cfg.Setup.String(kw); v != "" {
			return v
		}
	}
	return def
}

// Checks is the standard list, in the order verify prints it:
// Libreswan 4.10's checks with FreeS/WAN's additions where they belong.
func Checks() []Check {
	return []Check{
		VersionCheck,
		KernelCheck,
		ConfigCheck,
		RPFilterCheck,
		ForwardingCheck,
		LibreswanCheck,
		PlutoCheck,
		IKEv1PolicyCheck,
		SecretsFileCheck,
		ConfigPermsCheck,
		NSSPermsCheck,
		SecretsSyntaxCheck,
		PrivateKeyCheck,
		CommandChecks,
		ObsoleteCheck,
	}
}

// Run runs checks concurrently and returns their results in list order.
func Run(ctx context.Context, e *Env, checks []Check) []Result {
	out := make([][]Result, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = c(ctx, e)
		}()
	}
	wg.Wait()
	var all []Result
	for _, rs := range out {
		all = append(all, rs...)
	}
	return all
}

// Count returns how many results have status s.
func Count(results []Result, s Status) int {
	n := 0
	for _, r := range results {
		if r.Status == s {
			n++
		}
	}
	return n
}

// Heading is the first line of verify's report (Libreswan's wording).
const Heading = "Verifying installed system and configuration files"

// colours are Libreswan's (bright green, yellow, red).
const (
	green  = "\033[92m"
	yellow = "\033[93m"
	red    = "\033[91m"
	reset  = "\033[0m"
)

// Write prints results as Libreswan's verify does: the label padded to 50
// columns, a tab, the word in brackets; details below. Colour wraps the
// word when asked.
func Write(w io.Writer, results []Result, colour bool) error {
	var b strings.Builder
	b.WriteString(Heading + "\n\n")
	for _, r := range results {
		if r.Status == Note {
			b.WriteString(r.Name + "\n")
		} else {
			word := r.Word
			if colour {
				c := green
				switch r.Status {
				case Warning, NA:
					c = yellow
				case Failed:
					c = red
				}
				word = c + word + reset
			}
			fmt.Fprintf(&b, "%-50s\t[%s]\n", r.Name, word)
		}
		if r.Detail != "" {
			b.WriteString(indent(r.Detail, "  ") + "\n")
		}
		if r.Hint != "" && (r.Status == Warning || r.Status == Failed) {
			b.WriteString(indent(r.Hint, "  ") + "\n")
		}
	}
	fmt.Fprintf(&b, "\n%s: %d OK, %s, %d failed, %d not applicable\n",
		plural(len(results)-Count(results, Note), "check"), Count(results, OK),
		plural(Count(results, Warning), "warning"), Count(results, Failed), Count(results, NA))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the results as a JSON array, one object per check.
func WriteJSON(w io.Writer, results []Result) error {
	checks := make([]Result, 0, len(results))
	for _, r := range results {
		if r.Status != Note {
			r.Name = strings.TrimSpace(r.Name)
			checks = append(checks, r)
		}
	}
	b, err := json.MarshalIndent(checks, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

// Helpers that build results.
func ok(name, detail string) Result {
	return Result{Name: name, Status: OK, Word: "OK", Detail: detail}
}
func fail(name, word, detail, hint string) Result {
	if word == "" {
		word = "FAILED"
	}
	return Result{Name: name, Status: Failed, Word: word, Detail: detail, Hint: hint}
}
func warn(name, word, detail, hint string) Result {
	if word == "" {
		word = "WARNING"
	}
	return Result{Name: name, Status: Warning, Word: word, Detail: detail, Hint: hint}
}
func na(name, detail string) Result {
	return Result{Name: name, Status: NA, Word: "N/A", Detail: detail}
}
func note(text string) Result { return Result{Name: text, Status: Note} }

func plural(n int, noun string) string {
	switch {
	case n == 1:
		return "1 " + noun
	case strings.HasSuffix(noun, "y"):
		return fmt.Sprintf("%d %sies", n, noun[:len(noun)-1])
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
