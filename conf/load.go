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
// is a token.ErrorList of the diagnostics that make the file unreadable
// (its syntax, its section headers, its includes), sorted by position; the
// Config is then as complete as the input allowed and must not be used to
// load conns. A problem that belongs to one section (a bad or unknown
// keyword, a missing also= target) is that section's Err instead: the
// other conns still load (Config.Usable, Config.Err).
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
	p := &parser{files: r, ownsMain: owned, src: &source{}}
	p.parseFile(filename, src, false)
	cfg := p.resolve()
	p.warns.RemoveMultiples()
	cfg.Warnings = p.warns
	p.errs.RemoveMultiples()
	return cfg, p.errs.Err()
}

// Usable returns the conns that load: every conn without an Err, in file
// order. It is what auto --addall, setup start and readwriteconf work on.
func (c *Config) Usable() []*Conn {
	out := make([]*Conn, 0, len(c.Conns))
	for _, cn := range c.Conns {
		if cn.Err == nil {
			out = append(out, cn)
		}
	}
	return out
}

// Unusable returns the conns that cannot load (Err set), in file order.
func (c *Config) Unusable() []*Conn {
	var out []*Conn
	for _, cn := range c.Conns {
		if cn.Err != nil {
			out = append(out, cn)
		}
	}
	return out
}

// Err returns what keeps part of the configuration from being used: the
// errors of config setup and of every conn that cannot load, sorted by
// position, or nil. The errors that make the whole file unreadable are
// Load's error instead.
func (c *Config) Err() error {
	var list errorList
	if c.Setup.Err != nil {
		list = append(list, c.Setup.Err)
	}
	for _, cn := range c.Conns {
		if cn.Err != nil {
			list = append(list, cn.Err)
		}
	}
	if len(list) == 0 {
		return nil
	}
	return list.flatten()
}
