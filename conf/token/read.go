package token

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Bounds on what the configuration readers take in: real ipsec.conf and
// ipsec.secrets files are far below them, and a hostile or mistaken input
// (a device, a FIFO, a file with one endless line) is refused at the first
// byte past a bound instead of being read until memory runs out.
const (
	// MaxLineLen is the longest line accepted, in bytes (the longest RSA
	// key in 0s form is a few kilobytes).
	MaxLineLen = 64 << 10
	// MaxFileSize is the largest file accepted, in bytes (100,000 conns
	// of six lines take about 12 MiB).
	MaxFileSize = 64 << 20
)

// ReadFile reads the configuration file name, from fsys or, when fsys is
// nil, from the host. It refuses what is not a regular file (a FIFO is
// never opened for reading, so it cannot block) and stops at the first
// line longer than MaxLineLen or at MaxFileSize bytes; those errors are an
// *Error at the line and column where reading stopped, with shown as the
// file name. Errors from the file system come back as they are.
func ReadFile(fsys fs.FS, name, shown string) ([]byte, error) {
	var f fs.File
	var fi fs.FileInfo
	var err error
	if fsys == nil {
		// O_NONBLOCK: opening a FIFO without a writer returns at once;
		// for regular files the flag changes nothing.
		var of *os.File
		of, err = os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			return nil, err
		}
		f = of
		fi, err = of.Stat()
	} else {
		// Stat before Open: an fs.FS cannot be asked not to block.
		if fi, err = fs.Stat(fsys, name); err == nil {
			if err = checkRegular(fi, shown); err != nil {
				return nil, err
			}
			f, err = fsys.Open(name)
		}
		if err != nil {
			return nil, err
		}
		fi, err = f.Stat()
	}
	defer f.Close()
	if err != nil {
		return nil, err
	}
	if err := checkRegular(fi, shown); err != nil {
		return nil, err
	}
	// A file that says it is too large is still read up to the bound, so
	// the error can name the line; it starts with a small buffer.
	size := fi.Size()
	if size < 0 || size > MaxFileSize {
		size = 64 << 10
	}
	return readBounded(f, int(size)+1, shown)
}

func checkRegular(fi fs.FileInfo, shown string) error {
	if fi.Mode().IsRegular() {
		return nil
	}
	kind := "special file"
	switch m := fi.Mode(); {
	case m.IsDir():
		kind = "directory"
	case m&fs.ModeNamedPipe != 0:
		kind = "FIFO"
	case m&fs.ModeSocket != 0:
		kind = "socket"
	case m&fs.ModeCharDevice != 0:
		kind = "character device"
	case m&fs.ModeDevice != 0:
		kind = "block device"
	}
	return &Error{Pos: Position{Filename: shown}, Msg: fmt.Sprintf("not a regular file (%s); refused", kind)}
}

// readBounded reads r to its end, checking line lengths and the total as
// the bytes come in.
func readBounded(r io.Reader, capHint int, shown string) ([]byte, error) {
	buf := make([]byte, 0, capHint)
	line, lineStart := 1, 0 // current line number and its offset in buf
	scanned := 0
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		for {
			end := len(buf)
			i := bytes.IndexByte(buf[scanned:], '\n')
			if i >= 0 {
				end = scanned + i
			}
			if end-lineStart > MaxLineLen {
				return nil, &Error{Pos: Position{Filename: shown, Line: line, Column: MaxLineLen + 1},
					Msg: fmt.Sprintf("line longer than %d bytes; refused", MaxLineLen)}
			}
			if i < 0 {
				scanned = len(buf)
				break
			}
			scanned = end + 1
			line++
			lineStart = scanned
		}
		if len(buf) > MaxFileSize {
			return nil, &Error{Pos: Position{Filename: shown, Line: line, Column: len(buf) - lineStart},
				Msg: fmt.Sprintf("file larger than %d MiB; refused", MaxFileSize>>20)}
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
