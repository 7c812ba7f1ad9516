package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"goswan/tests/testenv"
)

// complete runs the bash completion function of scripts/ipsec.bash-completion
// for the command line words (the last one being completed) and returns
// the candidates, sorted.
func complete(t *testing.T, bin string, words ...string) []string {
	t.Helper()
	bash := testenv.MustHaveCommand(t, "bash")
	script := filepath.Join(testenv.ModuleRoot(), "scripts", "ipsec.bash-completion")
	prog := `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _ipsec; printf '%s\n' "${COMPREPLY[@]}"`
	cmd := exec.Command(bash, append([]string{"--norc", "--noprofile", "-c", prog, "bash", script}, words...)...)
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("completing %q: %v\n%s", words, err, out)
	}
	got := strings.Fields(string(out))
	sort.Strings(got)
	return got
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// TestBashCompletion checks that completion offers exactly the registered
// applets and, for each, exactly the long options its --help shows, both
// after `ipsec APPLET` and through the ipsec_APPLET link.
func TestBashCompletion(t *testing.T) {
	bin := testenv.Binary(t)
	applets := registeredApplets(t, bin)
	all := append(slices.Clone(applets), libreswanCommands(t, bin)...)
	if got, want := complete(t, bin, "ipsec", ""), sorted(all); !slices.Equal(got, want) {
		t.Errorf("complete(ipsec ␣) = %q, want %q", got, want)
	}
	for _, c := range []string{"status", "checknss", "trafficstatus", "add"} {
		if !slices.Contains(all, c) {
			t.Errorf("ipsec --help does not list Libreswan's verb %q", c)
		}
	}
	if got := complete(t, bin, "ipsec", "status", "--"); len(got) != 0 {
		t.Errorf("complete(ipsec status --) = %q, want nothing (only applets' options are completed)", got)
	}
	out, _, _ := runIpsec(t, bin, "--help")
	usage, _, _ := strings.Cut(out, "where command is one of:")
	if got, want := complete(t, bin, "ipsec", "--"), sorted(flagsIn(usage)); !slices.Equal(got, want) {
		t.Errorf("complete(ipsec --) = %q, want %q", got, want)
	}
	for _, name := range applets {
		t.Run(name, func(t *testing.T) {
			out, _, _ := runIpsec(t, bin, name, "--help")
			var want []string
			for _, f := range parseHelp(out).names("OPTIONS") {
				if strings.HasPrefix(f, "--") {
					want = append(want, f)
				}
			}
			want = sorted(want)
			if got := complete(t, bin, "ipsec", name, "--"); !slices.Equal(got, want) {
				t.Errorf("complete(ipsec %s --) = %q, want %q", name, got, want)
			}
			// A link of our own: testenv's links cover only the applets it knows.
			link := filepath.Join(t.TempDir(), "ipsec_"+name)
			if err := os.Symlink(bin, link); err != nil {
				t.Fatal(err)
			}
			if got := complete(t, bin, link, "--"); !slices.Equal(got, want) {
				t.Errorf("complete(ipsec_%s --) = %q, want %q", name, got, want)
			}
		})
	}
}

// libreswanCommands returns the verbs and programs `ipsec --help` lists
// after the applets: the first word of each verb line, every word of the
// program lines.
func libreswanCommands(t *testing.T, bin string) []string {
	t.Helper()
	out, _, _ := runIpsec(t, bin, "--help")
	var names []string
	section := ""
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "Libreswan's front-end verbs"):
			section = "verbs"
		case strings.HasPrefix(l, "Libreswan's programs"):
			section = "programs"
		case strings.TrimSpace(l) == "":
			section = ""
		case section == "verbs":
			names = append(names, strings.Fields(l)[0])
		case section == "programs":
			names = append(names, strings.Fields(l)...)
		}
	}
	return names
}
