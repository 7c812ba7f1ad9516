package conf

import (
	"errors"
	"io/fs"
)

// Options control how a configuration is read.
type Options struct {
	// FS reads files. Nil means the host file system, paths taken as given.
	FS fs.FS
	// RootDir is prefixed to absolute file names (readwriteconf --rootdir).
	RootDir string
}

// Load reads and resolves the ipsec.conf at path. The error, when not nil,
// is a token.ErrorList holding every fatal diagnostic; the Config is then
// as complete as the input allowed.
func Load(path string, opts *Options) (*Config, error) {
	return nil, errors.New("conf.Load: not yet implemented")
}

// Parse reads and resolves ipsec.conf text already in memory; includes are
// read through opts.FS.
func Parse(filename string, src []byte, opts *Options) (*Config, error) {
	return nil, errors.New("conf.Parse: not yet implemented")
}
