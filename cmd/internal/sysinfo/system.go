// Package sysinfo is the one door through which `ipsec verify` and
// `ipsec barf` look at the machine: files under a root directory (/proc,
// /sys, /etc, /run), programs run with a timeout, the kernel's XFRM netlink
// interface, and pluto's control socket.
//
// Host is the real system and the default. Fake is a directory laid out
// like a root file system plus canned commands and a described kernel, so
// that every check can be driven into each of its outcomes without root,
// a kernel or a pluto.
package sysinfo

import (
	"context"
	"errors"
	"io/fs"
)

// System is what the diagnostics read. Paths are absolute paths as the
// administrator sees them ("/proc/sys/net/ipv4/ip_forward"); an
// implementation may serve them from elsewhere.
type System interface {
	ReadFile(name string) ([]byte, error)
	// Open opens a file for streaming: /proc/kallsyms is megabytes that
	// only a few lines of are wanted.
	Open(name string) (fs.File, error)
	ReadDir(name string) ([]fs.DirEntry, error)
	Stat(name string) (fs.FileInfo, error)
	// LookPath finds a program as a shell would, also in the sbin
	// directories an unprivileged PATH tends to lack.
	LookPath(file string) (string, error)
	// Run runs a program and returns its stdout and stderr interleaved.
	// It stops the program when ctx ends.
	Run(ctx context.Context, name string, arg ...string) ([]byte, error)
	// XFRM asks the kernel about IPsec over netlink, changing nothing on
	// the host.
	XFRM(ctx context.Context) XFRM
	// DialControl connects to a unix stream socket (pluto's control
	// socket) and hangs up; nil means something is answering.
	DialControl(ctx context.Context, name string) error
	// Hostname is the kernel's host name.
	Hostname() (string, error)
	// Self is the path of the running program, for "is the ipsec on PATH
	// this one".
	Self() string
	// Root is the directory the paths are read under: "" for the host,
	// for readers (the conf engine) that take a root prefix.
	RootDir() string
}

// XFRM is what the kernel says about IPsec.
type XFRM struct {
	// Err is nil when the XFRM netlink interface answered a dump.
	Err error
	// States and Policies count the SAs and policies in this network
	// namespace.
	States, Policies int
	// ESP and AH tell whether the kernel can hold an SA of that protocol.
	ESP, AH Support
}

// Support is the answer of a protocol probe.
type Support struct {
	Known bool  // the probe could run
	OK    bool  // the kernel accepted an SA
	Err   error // why not (when Known && !OK) or why the probe could not run
}

// ErrNotFound is returned by LookPath and Run for a missing program.
var ErrNotFound = errors.New("program not found")
