package main

import (
	"strings"
	"testing"

	"github.com/daos-go/daos/pkg/poolsvc"
)

// TestDebugFlag: --debug logs the connection to stderr, never stdout.
func TestDebugFlag(t *testing.T) {
	f := &fakePool{}
	out, errOut, code := run(t, f, "pool", "query", "tank")
	if code != 0 || errOut != "" {
		t.Fatalf("without --debug: %d %q", code, errOut)
	}
	out, errOut, code = run(t, f, "--debug", "-j", "pool", "query", "tank")
	if code != 0 {
		t.Fatal(errOut)
	}
	decode(t, out) // stdout is still the JSON reply alone
	for _, want := range []string{`msg="daos command"`, "command=\"daos pool query\"", `msg="pool connect"`, "pool=tank",
		"sys_name=daos_server", "duration_ms=", `msg="pool command done"`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("missing %q in\n%s", want, errOut)
		}
	}
}

// TestVerboseFlag: the global --verbose gives the -v form of a command.
func TestVerboseFlag(t *testing.T) {
	f := &fakePool{conts: []*poolsvc.ContInfo{{UUID: "0d6c7c1e-1111-4222-8333-444455556666", Label: "c1", Type: "POSIX"}}}
	plain, _, _ := run(t, f, "container", "list", "tank")
	verbose, _, code := run(t, f, "--verbose", "container", "list", "tank")
	if code != 0 || strings.Contains(plain, "POSIX") || !strings.Contains(verbose, "POSIX") {
		t.Errorf("--verbose list:\n%s\nplain:\n%s", verbose, plain)
	}
}
