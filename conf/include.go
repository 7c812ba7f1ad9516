package conf

import (
	"errors"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"goswan/conf/token"
)

// maxIncludeDepth is Libreswan's limit; Libreswan silently stops at it, we
// report it.
const maxIncludeDepth = 10

// maxIncludeMatches bounds what one include pattern may pull in, and
// maxIncludeFiles what all of them may, together.
const (
	maxIncludeMatches = 10000
	maxIncludeFiles   = 10000
)

// fileReader reads the main file and includes, either from the host (with
// an optional root directory for absolute names, like readwriteconf
// --rootdir) or from an fs.FS.
type fileReader struct {
	fsys fs.FS
	root string
}

// read reads one file within token.ReadFile's bounds (regular files only,
// lines and size limited); a bound hit is a *token.Error positioned in the
// file.
func (r *fileReader) read(name string) ([]byte, error) {
	if r.fsys != nil {
		return token.ReadFile(r.fsys, fsName(name), name)
	}
	return token.ReadFile(nil, r.hostName(name), name)
}

func (r *fileReader) glob(pattern string) ([]string, error) {
	if r.fsys != nil {
		m, err := fs.Glob(r.fsys, fsName(pattern))
		if strings.HasPrefix(pattern, "/") {
			for i := range m {
				m[i] = "/" + m[i]
			}
		}
		return m, err
	}
	m, err := filepath.Glob(r.hostName(pattern))
	if r.root != "" {
		for i := range m {
			m[i] = strings.TrimPrefix(m[i], strings.TrimSuffix(r.root, "/"))
		}
	}
	return m, err
}

func (r *fileReader) hostName(name string) string {
	if r.root != "" && filepath.IsAbs(name) {
		return filepath.Join(r.root, name)
	}
	return name
}

// fsName maps a path to an fs.FS name: no leading slash, cleaned.
func fsName(name string) string {
	name = path.Clean(strings.TrimPrefix(name, "/"))
	if name == "" {
		return "."
	}
	return name
}

// include expands an include line. Relative names are taken from the
// including file's directory, as the FreeS/WAN and Libreswan manuals say
// (Libreswan 4.10 itself uses the process's working directory).
func (p *parser) include(pattern string, pos token.Position, from string) {
	if len(p.stack) > maxIncludeDepth {
		p.errs.Addf(pos, "include %q: nesting deeper than %d files (%s)", pattern, maxIncludeDepth, strings.Join(p.stack, " → "))
		return
	}
	if !strings.HasPrefix(pattern, "/") {
		pattern = path.Join(path.Dir(from), pattern)
	}
	var matches []string
	hasGlob := false
	for _, pat := range expandBraces(pattern) {
		if strings.ContainsAny(pat, "*?[") {
			hasGlob = true
		}
		m, err := p.files.glob(pat)
		if err != nil {
			p.errs.Addf(pos, "include %q: bad pattern: %v", pattern, err)
			return
		}
		if len(m) == 0 && !strings.ContainsAny(pat, "*?[") {
			m = []string{pat} // let the read report why it is missing
		}
		sort.Strings(m)
		matches = append(matches, m...)
	}
	if len(matches) > maxIncludeMatches {
		p.errs.Addf(pos, "include %q matches %d files (limit %d)", pattern, len(matches), maxIncludeMatches)
		return
	}
	if len(matches) == 0 && hasGlob {
		return // an empty ipsec.d/*.conf is normal
	}
	for _, name := range matches {
		if len(p.src.files) >= maxIncludeFiles {
			p.errs.Addf(pos, "include %q: more than %d files read in all; the rest skipped", pattern, maxIncludeFiles)
			return
		}
		for i, open := range p.stack {
			if open == name {
				p.errs.Addf(pos, "include cycle: %s → %s", strings.Join(p.stack[i:], " → "), name)
				return
			}
		}
		src, err := p.files.read(name)
		var bound *token.Error
		if errors.As(err, &bound) {
			if bound.Pos.IsValid() {
				p.errs.Add(bound.Pos, bound.Msg)
			} else {
				p.errs.Addf(pos, "include %q: %s", name, bound.Msg)
			}
			continue
		}
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				p.warns.Addf(pos, "include %q: no such file; skipped", name)
			} else {
				p.errs.Addf(pos, "include %q: %v", name, unwrapPath(err))
			}
			continue
		}
		p.parseFile(name, src, true)
	}
}

// unwrapPath drops the operation and path that *PathError repeats.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// expandBraces expands {a,b} alternatives as glob(3) with GLOB_BRACE does.
func expandBraces(s string) []string {
	open := strings.IndexByte(s, '{')
	if open < 0 {
		return []string{s}
	}
	depth := 0
	var parts []string
	last := open + 1
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				parts = append(parts, s[last:i])
				var out []string
				for _, alt := range parts {
					for _, rest := range expandBraces(s[i+1:]) {
						out = append(out, expandBraces(s[:open]+alt+rest)...)
					}
				}
				return out
			}
		case ',':
			if depth == 1 {
				parts = append(parts, s[last:i])
				last = i + 1
			}
		}
	}
	return []string{s} // unbalanced: taken literally
}
