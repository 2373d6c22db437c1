package cabi

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestProp runs the daos_prop_* cmocka tests against src/client/prop.c
// (and acl.c, which ACL values need).
func TestProp(t *testing.T) {
	runPureC(t, "prop_test.c", "prop.c", "acl.c")
}

// TestACL runs the daos_acl_* and daos_ace_* cmocka tests against
// src/client/acl.c, with prop.c for ACLs inside property lists.
func TestACL(t *testing.T) {
	runPureC(t, "acl_test.c", "acl.c", "prop.c")
}

// runPureC builds the src/client files as the library build does (-fPIC,
// gnu11, warnings fatal), links them with the cmocka test in testdata and
// the gurt sources, and runs it under ASan/UBSan, whose leak check
// catches values that free or fini does not release.
func runPureC(t *testing.T, test string, srcs ...string) {
	needCompilers(t)
	root := repoRoot(t)
	inc := filepath.Join(root, "src", "include")
	dir := t.TempDir()
	var paths []string
	for _, s := range srcs {
		p := filepath.Join(root, "src", "client", s)
		lib := append([]string{"-std=gnu11", "-fPIC", "-O2"}, cWarn...)
		lib = append(lib, "-I", inc, "-c", "-o", filepath.Join(dir, s+".o"), p)
		run(t, dir, "gcc", lib...)
		paths = append(paths, p)
	}

	gurt, _ := filepath.Glob(filepath.Join(root, "src", "gurt", "*.c"))
	bin := filepath.Join(dir, "test")
	base := append([]string{"-std=gnu11", "-g"}, cWarn...)
	base = append(base, "-I", inc, "-o", bin, filepath.Join(root, "ci", "cabi", "testdata", test))
	base = append(append(base, paths...), gurt...)
	san := append(append([]string{}, base...), "-fsanitize=address,undefined", "-fno-sanitize-recover=all")
	if out, err := exec.Command("gcc", append(san, "-pthread", "-lcmocka")...).CombinedOutput(); err != nil {
		// Sanitizer runtimes are optional; the plain build must work.
		t.Logf("sanitizer build failed, building without: %v\n%s", err, out)
		run(t, dir, "gcc", append(base, "-pthread", "-lcmocka")...)
	}
	out := run(t, dir, bin)
	if !bytes.Contains(out, []byte("PASSED")) {
		t.Fatalf("cmocka run did not pass:\n%s", out)
	}
	t.Logf("%s", bytes.TrimSpace(out))
}
