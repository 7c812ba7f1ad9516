package barf

// How sections gather: traced commands with a timeout, files, and the
// filters barf applies to their output.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"goswan/cmd/internal/sysinfo"
)

// section is one marked part of the report.
type section struct {
	name   string
	gather func(ctx context.Context, g *gatherer, w *bytes.Buffer)
}

type gatherer struct {
	sys sysinfo.System
	o   Options
	sem chan struct{} // limits the programs running at once; nil: no limit
}

// cmd traces and runs a program, as barf's `set -x` shows it; filter, when
// not nil, rewrites its output (censoring, grepping).
func (g *gatherer) cmd(ctx context.Context, w *bytes.Buffer, filter func(string) string, name string, args ...string) {
	trace := name
	for _, a := range args {
		if strings.ContainsAny(a, " \t") {
			a = "'" + a + "'"
		}
		trace += " " + a
	}
	fmt.Fprintf(w, "+ %s\n", trace)
	if g.sem != nil {
		g.sem <- struct{}{}
		defer func() { <-g.sem }()
	}
	ctx, cancel := context.WithTimeout(ctx, g.o.Timeout)
	defer cancel()
	out, err := g.sys.Run(ctx, name, args...)
	if errors.Is(err, sysinfo.ErrNotFound) {
		fmt.Fprintf(w, "ipsec barf: %s: not found, skipped\n", name)
		return
	}
	s := string(out)
	if filter != nil {
		s = filter(s)
	}
	w.WriteString(s)
	if s != "" && !strings.HasSuffix(s, "\n") {
		w.WriteByte('\n')
	}
	if ctx.Err() != nil {
		fmt.Fprintf(w, "ipsec barf: %s: stopped after %v\n", name, g.o.Timeout)
	}
}

// cat traces and prints a file.
func (g *gatherer) cat(w *bytes.Buffer, file string) {
	fmt.Fprintf(w, "+ cat %s\n", file)
	b, err := g.sys.ReadFile(file)
	if err != nil {
		fmt.Fprintf(w, "cat: %v\n", err)
		return
	}
	w.Write(b)
	if len(b) > 0 && b[len(b)-1] != '\n' {
		w.WriteByte('\n')
	}
}

func (g *gatherer) exists(name string) bool { _, err := g.sys.Stat(name); return err == nil }

// grepFiles prints "file:value" for one-line files, as `grep -E '^' */x` does.
func (g *gatherer) grepFiles(w *bytes.Buffer, dir string, match func(rel string) bool, depth int) {
	var walk func(rel string, d int)
	walk = func(rel string, d int) {
		ents, err := g.sys.ReadDir(path.Join(dir, rel))
		if err != nil {
			return
		}
		for _, e := range ents {
			r := path.Join(rel, e.Name())
			if e.IsDir() && d > 0 {
				walk(r, d-1)
			} else if !e.IsDir() && match(r) {
				if b, err := g.sys.ReadFile(path.Join(dir, r)); err == nil {
					fmt.Fprintf(w, "%s:%s\n", r, strings.TrimRight(string(b), "\n"))
				}
			}
		}
	}
	walk("", depth)
}

func text(s string) func(context.Context, *gatherer, *bytes.Buffer) {
	return func(_ context.Context, _ *gatherer, w *bytes.Buffer) { w.WriteString(s) }
}

func catSec(file string) func(context.Context, *gatherer, *bytes.Buffer) {
	return func(_ context.Context, g *gatherer, w *bytes.Buffer) { g.cat(w, file) }
}

func cmdSec(filter func(string) string, name string, args ...string) func(context.Context, *gatherer, *bytes.Buffer) {
	return func(ctx context.Context, g *gatherer, w *bytes.Buffer) { g.cmd(ctx, w, filter, name, args...) }
}

// grepLines keeps the lines matching re.
func grepLines(re string) func(string) string {
	rx := regexp.MustCompile(re)
	return func(s string) string {
		var b strings.Builder
		for _, l := range strings.SplitAfter(s, "\n") {
			if rx.MatchString(l) {
				b.WriteString(l)
			}
		}
		return b.String()
	}
}

// tail keeps the last n lines (all when n is 0).
func tail(n int, s string) string {
	if n <= 0 {
		return s
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "")
}

// grepFile streams a file and keeps the lines containing substr; reading
// /proc/kallsyms whole costs more than the kernel takes to produce it.
func (g *gatherer) grepFile(w *bytes.Buffer, name, substr string) {
	f, err := g.sys.Open(name)
	if err != nil {
		fmt.Fprintf(w, "grep: %v\n", err)
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if bytes.Contains(sc.Bytes(), []byte(substr)) {
			w.Write(sc.Bytes())
			w.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(w, "grep: %s: %v\n", name, err)
	}
}
