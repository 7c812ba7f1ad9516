// Package keygen runs RSA key generation for rsasigkey and newhostkey:
// the narration of --verbose and, on a terminal, a progress line for the
// sizes that take seconds.
package keygen

import (
	"crypto/rsa"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"goswan/keys"
)

// progressBits is the size from which generation can take long enough that
// a terminal user deserves a sign of life.
const progressBits = 4096

// Generate makes a key of bits bits. verbose narrates on errw; when errw
// is a terminal and the key is large, a progress line with the elapsed
// time is drawn and erased.
func Generate(bits int, errw io.Writer, verbose bool) (*rsa.PrivateKey, error) {
	if err := keys.CheckBits(bits); err != nil {
		return nil, err
	}
	start := time.Now()
	if verbose {
		fmt.Fprintf(errw, "generating a %d-bit RSA key (e=65537) from the kernel random number generator...\n", bits)
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	if bits >= progressBits && isTerminal(errw) {
		go func() {
			defer close(finished)
			tick := time.NewTicker(250 * time.Millisecond)
			defer tick.Stop()
			spin := `-\|/`
			// Drawn at once, then redrawn on every tick: a key found
			// before the first tick still showed what was going on.
			for i := 0; ; i++ {
				fmt.Fprintf(errw, "\rgenerating %d-bit RSA key %c %.0fs", bits, spin[i%4], time.Since(start).Seconds())
				select {
				case <-done:
					fmt.Fprint(errw, "\r\033[K")
					return
				case <-tick.C:
				}
			}
		}()
	} else {
		close(finished)
	}
	k, err := race(bits)
	close(done)
	<-finished
	if err != nil {
		return nil, err
	}
	if verbose {
		fmt.Fprintf(errw, "found it after %.1fs; CKAID %s\n", time.Since(start).Seconds(), keys.CKAID(&k.PublicKey))
	}
	return k, nil
}

// race runs one generation per CPU (at most maxRacers) and returns the
// first key found. The time to find RSA primes varies widely from run to
// run, so the fastest of several searches cuts the wall-clock time a user
// waits; the losers are abandoned and end with the process, which is why
// this lives in the applets and not in package keys.
func race(bits int) (*rsa.PrivateKey, error) {
	n := min(runtime.NumCPU(), maxRacers)
	type result struct {
		k   *rsa.PrivateKey
		err error
	}
	ch := make(chan result, n)
	for range n {
		go func() {
			k, err := keys.Generate(bits)
			ch <- result{k, err}
		}()
	}
	r := <-ch
	return r.k, r.err
}

// maxRacers bounds the parallel searches of race.
const maxRacers = 4

// isTerminal reports whether w is a terminal (progress dots are for
// people, not for logs).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminalFd(int(f.Fd()))
}

// Hostname is the default host name of a key's header.
func Hostname() (string, error) {
	h, err := os.Hostname()
	if err != nil {
		return "", fmt.Errorf("gethostname failed: %w", err)
	}
	return h, nil
}
