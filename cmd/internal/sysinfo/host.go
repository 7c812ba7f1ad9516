package sysinfo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Host is the running system.
type Host struct{}

// Real returns the running system, the default for every applet.
func Real() System { return Host{} }

func (Host) ReadFile(name string) ([]byte, error)       { return os.ReadFile(name) }
func (Host) Open(name string) (fs.File, error)          { return os.Open(name) }
func (Host) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }
func (Host) Stat(name string) (fs.FileInfo, error)      { return os.Stat(name) }
func (Host) Hostname() (string, error)                  { return os.Hostname() }

// sbinDirs are searched after PATH: Debian's default user PATH lacks them,
// and `ipsec` itself lives in /usr/sbin.
var sbinDirs = []string{"/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/bin", "/bin"}

func (Host) LookPath(file string) (string, error) {
	if p, err := exec.LookPath(file); err == nil {
		return p, nil
	}
	for _, d := range sbinDirs {
		p := filepath.Join(d, file)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: %w", file, ErrNotFound)
}

func (h Host) Run(ctx context.Context, name string, arg ...string) ([]byte, error) {
	path := name
	if filepath.Base(name) == name {
		p, err := h.LookPath(name)
		if err != nil {
			return nil, err
		}
		path = p
	}
	cmd := exec.CommandContext(ctx, path, arg...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// The C locale keeps the output of ps, uptime and friends stable, as
	// Libreswan's barf does.
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	// A killed program's children may keep the output pipe open; stop
	// waiting for them a second after the program itself ended.
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("%s: timed out: %w", name, ctx.Err())
	}
	return out.Bytes(), err
}

func (Host) DialControl(ctx context.Context, name string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", name)
	if err != nil {
		return err
	}
	return c.Close()
}

func (Host) XFRM(ctx context.Context) XFRM { return probeXFRM(ctx) }

func (Host) Self() string {
	p, err := os.Executable()
	if err != nil {
		return ""
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

func (Host) RootDir() string { return "" }
