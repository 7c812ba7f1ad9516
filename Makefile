# goswan: the FreeS/WAN ipsec toolkit as one Go binary.
#
#   make demo    build, then run the toolkit on examples/
#   make test    install what the tests need, then run every test (strict)
#   make bench   Go benchmarks and side-by-side runs against Libreswan

PREFIX     ?= /usr/local
DESTDIR    ?=
SBINDIR    ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec/ipsec
MANDIR     ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# systemd reads units from /usr/local/lib/systemd/system too.
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
GO         ?= go
# urfave/cli's man and markdown generators are not used; leaving them out
# saves a few milliseconds of start-up on every ipsec command.
BUILDTAGS  := urfave_cli_no_docs
# A static binary: no dynamic loader and libc to map on every run, a third
# of the start-up of `ipsec --version` (pluto runs `ipsec _updown` on every
# tunnel event). Nothing in goswan needs cgo.
export CGO_ENABLED ?= 0
BIN        := bin/ipsec
APPLETS    := setup auto manual ranbits rsasigkey newhostkey showhostkey verify barf look readwriteconf addconn _updown
# packages with golden files (each defines the -update flag)
GOLDEN_PKGS ?= $(shell grep -rl 'flag.Bool("update"' --include='*_test.go' . | xargs -r -n1 dirname | sort -u)

.PHONY: all build install uninstall test test-all test-go test-vm lint bench demo golden fuzz clean deps

all: build

build:
	$(GO) build -trimpath -tags $(BUILDTAGS) -o $(BIN) ./cmd/ipsec

install: build
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/ipsec
	for a in $(APPLETS); do ln -sfr $(DESTDIR)$(SBINDIR)/ipsec $(DESTDIR)$(LIBEXECDIR)/ipsec_$$a; done
	install -m 0644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 scripts/ipsec.bash-completion $(DESTDIR)$(BASHCOMPDIR)/ipsec
	sed 's|@SBINDIR@|$(SBINDIR)|g' scripts/systemd/goswan-ipsec.service >$(DESTDIR)$(SYSTEMDUNITDIR)/goswan-ipsec.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/goswan-ipsec.service

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/ipsec $(DESTDIR)$(BASHCOMPDIR)/ipsec $(DESTDIR)$(SYSTEMDUNITDIR)/goswan-ipsec.service
	for a in $(APPLETS); do rm -f $(DESTDIR)$(LIBEXECDIR)/ipsec_$$a; done
	cd man && for m in *.5; do rm -f $(DESTDIR)$(MANDIR)/man5/$$m; done
	cd man && for m in *.8; do rm -f $(DESTDIR)$(MANDIR)/man8/$$m; done
	-rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null

deps:
	scripts/install-test-deps.sh

# packages that start goroutines: their tests run under the race detector
RACE_PKGS  := ./cmd/internal/keygen ./cmd/barf ./cmd/verify
# how long make test fuzzes each target (make fuzz: FUZZTIME, 10 minutes)
FUZZTIME_TEST ?= 4s

# Every test, with real components required (IPSEC_TEST_STRICT=1; every
# fuzz target runs its seed corpus in testdata as a test), the race
# detector on RACE_PKGS, every fuzz target fuzzed for FUZZTIME_TEST
# keeping nothing (a crasher stays in testdata/fuzz and fails the step);
# then scripts/leftovers.sh fails if any of it left a network namespace,
# process, mount or temporary file behind.
test: deps
	IPSEC_TEST_STRICT=1 scripts/leftovers.sh $(MAKE) --no-print-directory test-all

test-all: lint
	IPSEC_TEST_STRICT=1 $(GO) test -count=1 -timeout 25m ./...
	CGO_ENABLED=1 $(GO) test -race -count=1 $(RACE_PKGS)
	FUZZTIME=$(FUZZTIME_TEST) FUZZ_KEEP=0 scripts/fuzz.sh

test-go:
	$(GO) test ./...

# The QEMU end-to-end tests alone (a real kernel with ESP).
test-vm: deps build
	IPSEC_TEST_STRICT=1 $(GO) test -count=1 -timeout 15m -run 'VM' ./...

lint:
	scripts/lint.sh

bench: deps build
	scripts/bench.sh

demo: build
	scripts/leftovers.sh scripts/demo.sh $(BIN)

golden:
	$(GO) test $(GOLDEN_PKGS) -update

# every fuzz target for FUZZTIME (10m) each; the corpus goes to testdata/fuzz
FUZZTIME ?= 10m
fuzz:
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

clean:
	rm -rf bin
