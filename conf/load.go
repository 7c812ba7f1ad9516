package conf

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"goswan/conf/token"
)

// Options control how a configuration is read.
type Options struct {
	// FS reads files. Nil means the host file system, names taken as given.
	FS fs.FS
	// RootDir is prefixed to absolute file names on the host
	// (readwriteconf --rootdir). Ignored when FS is set.
	RootDir string
}

// Load reads and resolves the ipsec.conf at path. The error, when not nil,
// is a token.ErrorList holding every fatal diagnostic, sorted by position;
// the Config is then as complete as the input allowed. Problems that keep
// only one conn from loading are in that Conn's Err instead.
func Load(path string, opts *Options) (*Config, error) {
	r := newReader(opts)
	src, err := r.read(path)
	var bound *token.Error
	if errors.As(err, &bound) {
		return nil, token.ErrorList{bound}
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, unwrapPath(err))
	}
	return parseOwned(r, filepath.Clean(path), src, true)
}

// Parse reads and resolves ipsec.conf text already in memory; includes are
// read through opts.
func Parse(filename string, src []byte, opts *Options) (*Config, error) {
	return parse(newReader(opts), filename, src)
}

func newReader(opts *Options) *fileReader {
	if opts == nil {
		return &fileReader{}
	}
	return &fileReader{fsys: opts.FS, root: opts.RootDir}
}

func parse(r *fileReader, filename string, src []byte) (*Config, error) {
	return parseOwned(r, filename, src, false)
}

// parseOwned parses src; owned says it was read here and may be shared
// with the Config's strings instead of copied.
func parseOwned(r *fileReader, filename string, src []byte, owned bool) (*Config, error) {
	p := &parser{files: r, ownsMain: owned}
	p.parseFile(filename, src, false)
	cfg := p.resolve()
	p.warns.RemoveMultiples()
	cfg.Warnings = p.warns
	p.errs.RemoveMultiples()
	return cfg, p.errs.Err()
}

// ConnErrors gathers the diagnostics of every conn that failed to load.
func (c *Config) ConnErrors() error {
	var all []error
	for _, cn := range c.Conns {
		if cn.Err != nil {
			all = append(all, cn.Err)
		}
	}
	if len(all) == 0 {
		return nil
	}
	var list errorList
	for _, e := range all {
		list = append(list, e)
	}
	return list.flatten()
}
