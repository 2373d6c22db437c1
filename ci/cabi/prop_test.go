package cabi

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestProp builds src/client/prop.c as the library build does (-fPIC,
// gnu11, warnings fatal) and runs the daos_prop_* cmocka tests against
// it under ASan/UBSan, whose leak check catches values an entry owns but
// free or fini does not release.
func TestProp(t *testing.T) {
	needCompilers(t)
	root := repoRoot(t)
	inc := filepath.Join(root, "src", "include")
	dir := t.TempDir()
	prop := filepath.Join(root, "src", "client", "prop.c")

	lib := append([]string{"-std=gnu11", "-fPIC", "-O2"}, cWarn...)
	lib = append(lib, "-I", inc, "-c", "-o", filepath.Join(dir, "prop.o"), prop)
	run(t, dir, "gcc", lib...)

	gurt, _ := filepath.Glob(filepath.Join(root, "src", "gurt", "*.c"))
	bin := filepath.Join(dir, "prop_test")
	base := append([]string{"-std=gnu11", "-g"}, cWarn...)
	base = append(base, "-I", inc, "-o", bin,
		filepath.Join(root, "ci", "cabi", "testdata", "prop_test.c"), prop)
	base = append(base, gurt...)
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
