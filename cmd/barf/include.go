package barf

import (
	"fmt"
	"path"
	"strings"

	"goswan/cmd/internal/sysinfo"
)

// expandIncludes is FreeS/WAN's `ipsec _include`: the file with every
// `include` line replaced by the files it names (a pattern relative to the
// including file's directory), marked "#< FILE LINE" on entry and
// "#> FILE LINE" on return, and "#:" for errors. It works on text, so a file
// the parsers reject is still shown (censored).
func expandIncludes(sys sysinfo.System, file string) string {
	var b strings.Builder
	includeInto(&b, sys, file, 0)
	return b.String()
}

func includeInto(b *strings.Builder, sys sysinfo.System, file string, depth int) {
	if depth > 10 {
		fmt.Fprintf(b, "#:%s: includes nested too deeply\n", file)
		return
	}
	data, err := sys.ReadFile(file)
	if err != nil {
		fmt.Fprintf(b, "#:cannot read %s: %v\n", file, err)
		return
	}
	lines := strings.SplitAfter(string(data), "\n")
	for n, line := range lines {
		if strings.HasPrefix(line, "#<") || strings.HasPrefix(line, "#>") || strings.HasPrefix(line, "#:") {
			continue
		}
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "include" {
			pattern := f[1]
			if !path.IsAbs(pattern) {
				pattern = path.Join(path.Dir(file), pattern)
			}
			matches := glob(sys, pattern)
			if len(matches) == 0 {
				fmt.Fprintf(b, "#:no file matches %s\n", pattern)
			}
			for _, m := range matches {
				fmt.Fprintf(b, "\n#< %s 1\n", m)
				includeInto(b, sys, m, depth+1)
				fmt.Fprintf(b, "#> %s %d\n", file, n+2)
			}
			continue
		}
		b.WriteString(line)
		if !strings.HasSuffix(line, "\n") && line != "" {
			b.WriteByte('\n')
		}
	}
}

// glob expands wildcards in the last element of pattern, sorted.
func glob(sys sysinfo.System, pattern string) []string {
	dir, base := path.Split(pattern)
	if !strings.ContainsAny(base, "*?[") {
		if _, err := sys.Stat(pattern); err == nil {
			return []string{pattern}
		}
		return nil
	}
	ents, err := sys.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if ok, _ := path.Match(base, e.Name()); ok && !e.IsDir() {
			out = append(out, path.Join(dir, e.Name()))
		}
	}
	return out
}
