package sysinfo

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// Fake is a system for tests: files come from Root, a directory laid out
// like / (Root/proc/sys/net/ipv4/ip_forward, Root/etc/ipsec.conf ...),
// programs from Commands, the kernel from Kernel. Programs are "on PATH"
// when Commands has them. Pluto's control socket is a real unix socket
// under Root, so a test can make one answer, or leave a stale one.
type Fake struct {
	Root     string
	Commands map[string]Command
	Kernel   XFRM
	Host     string // Hostname; "" gives an error
	Exe      string // Self
}

// Command is a canned program: it gets the arguments and returns the
// combined output and error Run should give.
type Command func(args []string) ([]byte, error)

func (f *Fake) path(name string) string {
	return filepath.Join(f.Root, filepath.FromSlash(strings.TrimPrefix(name, "/")))
}

func (f *Fake) ReadFile(name string) ([]byte, error) { return os.ReadFile(f.path(name)) }
func (f *Fake) Open(name string) (fs.File, error)    { return os.Open(f.path(name)) }
func (f *Fake) ReadDir(name string) ([]fs.DirEntry, error) {
	return os.ReadDir(f.path(name))
}
func (f *Fake) Stat(name string) (fs.FileInfo, error) { return os.Stat(f.path(name)) }

func (f *Fake) LookPath(file string) (string, error) {
	if _, ok := f.Commands[file]; ok {
		return "/usr/sbin/" + file, nil
	}
	return "", fmt.Errorf("%s: %w", file, ErrNotFound)
}

func (f *Fake) Run(ctx context.Context, name string, arg ...string) ([]byte, error) {
	c, ok := f.Commands[filepath.Base(name)]
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c(arg)
}

func (f *Fake) XFRM(context.Context) XFRM { return f.Kernel }

func (f *Fake) DialControl(ctx context.Context, name string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", f.path(name))
	if err != nil {
		return err
	}
	return c.Close()
}

func (f *Fake) Hostname() (string, error) {
	if f.Host == "" {
		return "", fmt.Errorf("no host name")
	}
	return f.Host, nil
}

func (f *Fake) Self() string { return f.Exe }

func (f *Fake) RootDir() string { return f.Root }

// WriteFile puts a file under the fake root, making directories, for test
// set-up.
func (f *Fake) WriteFile(name, content string, perm os.FileMode) error {
	p := f.path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(p, []byte(content), perm); err != nil {
		return err
	}
	return os.Chmod(p, perm) // WriteFile's perm is masked by the umask
}

// Remove deletes a file under the fake root.
func (f *Fake) Remove(name string) error { return os.Remove(f.path(name)) }

// Listen makes name (e.g. /run/pluto/pluto.ctl) a listening unix socket
// under the fake root; closing the listener leaves a stale socket file.
func (f *Fake) Listen(name string) (net.Listener, error) {
	p := f.path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, err
	}
	l, err := net.Listen("unix", p)
	if err != nil {
		return nil, err
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	return l, nil
}
