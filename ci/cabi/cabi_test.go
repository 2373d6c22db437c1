package cabi

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/daos-go/daos/pkg/daos"
)

// The headers ABI.md section 2.1 says applications include; a missing
// one is a failure, not a skip.
var requiredHeaders = []string{
	"daos.h", "daos_types.h", "daos_errno.h", "daos_event.h", "daos_obj.h",
	"daos_obj_class.h", "daos_array.h", "daos_kv.h", "daos_prop.h",
	"daos_cont.h", "daos_pool.h", "daos_mgmt.h", "daos_security.h",
	"daos_api.h", "daos_version.h", "daos_fs.h", "gurt/types.h",
	"gurt/list.h", "gurt/common.h", "gurt/hash.h", "gurt/debug.h",
	"daos_uns.h",                // optional in ABI.md; ROMIO's DAOS driver and the HDF5 VOL include it
	"daos_task.h", "daos/tse.h", // optional in ABI.md; the HDF5 VOL schedules every call as a task
	"daos_fs_sys.h", // optional in ABI.md; path-based DFS, as parallel copy tools use it
}

// standaloneHeaders are the daos_*.h that daos.h does not pull in, as in
// DAOS: applications include them themselves.
var standaloneHeaders = []string{"daos_fs.h", "daos_uns.h", "daos_task.h", "daos_fs_sys.h"}

var cWarn = []string{"-Wall", "-Wextra", "-Werror"}

// repoRoot is two levels up: tests run in ci/cabi.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// needCompilers skips when gcc or g++ is missing (a Go-only machine) and
// fails when the C dependencies CI installs (uuid-dev, libcmocka-dev)
// are missing, since then the check would silently test nothing.
func needCompilers(t *testing.T) {
	t.Helper()
	for _, cc := range []string{"gcc", "g++"} {
		if _, err := exec.LookPath(cc); err != nil {
			t.Skipf("%s not found: the C ABI checks need gcc and g++ (ci/install-deps.sh installs them)", cc)
		}
	}
	dir := t.TempDir()
	probe := filepath.Join(dir, "deps.c")
	src := "#include <stdarg.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <setjmp.h>\n" +
		"#include <uuid/uuid.h>\n#include <cmocka.h>\n"
	if err := os.WriteFile(probe, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gcc", "-fsyntax-only", probe).CombinedOutput(); err != nil {
		t.Fatalf("uuid/uuid.h or cmocka.h missing (install uuid-dev and libcmocka-dev, see ci/install-deps.sh): %v\n%s", err, out)
	}
}

func run(t *testing.T, dir, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func listHeaders(t *testing.T, root string) []string {
	t.Helper()
	inc := filepath.Join(root, "src", "include")
	var hdrs []string
	for _, pat := range []string{"*.h", "*/*.h"} {
		m, err := filepath.Glob(filepath.Join(inc, pat))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m {
			rel, _ := filepath.Rel(inc, p)
			hdrs = append(hdrs, filepath.ToSlash(rel))
		}
	}
	sort.Strings(hdrs)
	have := map[string]bool{}
	for _, h := range hdrs {
		have[h] = true
	}
	for _, h := range requiredHeaders {
		if !have[h] {
			t.Errorf("required public header src/include/%s is missing", h)
		}
	}
	return hdrs
}

// TestHeadersStandalone compiles every installed header alone, first
// thing in a translation unit, as strict C11 and as C++17: autoconf
// probes and C++ applications include them that way.
func TestHeadersStandalone(t *testing.T) {
	needCompilers(t)
	root := repoRoot(t)
	inc := filepath.Join(root, "src", "include")
	dir := t.TempDir()

	type job struct{ hdr, lang string }
	var jobs []job
	for _, h := range listHeaders(t, root) {
		jobs = append(jobs, job{h, "c"}, job{h, "c++"})
	}

	// Two at a time: the machine's cores are shared.
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	var mu sync.Mutex
	var failures []string
	for i, j := range jobs {
		wg.Add(1)
		go func(i int, j job) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			src := filepath.Join(dir, fmt.Sprintf("h%d.c", i))
			body := fmt.Sprintf("#include <%s>\n", j.hdr)
			if err := os.WriteFile(src, []byte(body), 0o644); err != nil {
				mu.Lock()
				failures = append(failures, err.Error())
				mu.Unlock()
				return
			}
			var cmd *exec.Cmd
			if j.lang == "c" {
				args := append([]string{"-std=c11"}, cWarn...)
				args = append(args, "-I", inc, "-fsyntax-only", src)
				cmd = exec.Command("gcc", args...)
			} else {
				args := append([]string{"-std=c++17"}, cWarn...)
				args = append(args, "-I", inc, "-fsyntax-only", "-x", "c++", src)
				cmd = exec.Command("g++", args...)
			}
			if out, err := cmd.CombinedOutput(); err != nil {
				mu.Lock()
				failures = append(failures, fmt.Sprintf("%s as %s: %v\n%s", j.hdr, j.lang, err, out))
				mu.Unlock()
			}
		}(i, j)
	}
	wg.Wait()
	sort.Strings(failures)
	for _, f := range failures {
		t.Error(f)
	}
}

// TestDaosHIncludes checks daos.h pulls in every daos_*.h but the
// standalone ones.
func TestDaosHIncludes(t *testing.T) {
	needCompilers(t)
	root := repoRoot(t)
	inc := filepath.Join(root, "src", "include")
	dir := t.TempDir()
	src := filepath.Join(dir, "d.c")
	if err := os.WriteFile(src, []byte("#include <daos.h>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deps := string(run(t, dir, "gcc", "-std=c11", "-I", inc, "-M", src))
	m, _ := filepath.Glob(filepath.Join(inc, "daos_*.h"))
	for _, p := range m {
		base := filepath.Base(p)
		in := strings.Contains(deps, "/"+base)
		standalone := slices.Contains(standaloneHeaders, base)
		if standalone && in {
			t.Errorf("daos.h includes %s; it must not", base)
		}
		if !standalone && !in {
			t.Errorf("daos.h does not include %s", base)
		}
	}
}

// TestVersionedSymbols checks that calls through the plain names reach
// the *2 symbols, as binaries built against DAOS's headers do (ABI.md
// 0.1), and the daos_fs.h entry points keep their own names.
func TestVersionedSymbols(t *testing.T) {
	needCompilers(t)
	root := repoRoot(t)
	inc := filepath.Join(root, "src", "include")
	dir := t.TempDir()
	src := filepath.Join(dir, "calls.c")
	body := `#include <daos.h>
#include <daos_fs.h>
void *refs[] = {
	(void *)daos_pool_connect, (void *)daos_cont_open,
	(void *)daos_cont_destroy, (void *)daos_cont_create,
	(void *)daos_obj_generate_oid, (void *)dfs_mount, (void *)d_errstr,
};
`
	if err := os.WriteFile(src, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	asm := filepath.Join(dir, "calls.s")
	run(t, dir, "gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", inc, "-S", "-o", asm, src)
	out, err := os.ReadFile(asm)
	if err != nil {
		t.Fatal(err)
	}
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(string(out), func(r rune) bool {
		return !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) {
		words[w] = true
	}
	for _, want := range []string{"daos_pool_connect2", "daos_cont_open2", "daos_cont_destroy2",
		"daos_cont_create2", "daos_obj_generate_oid2", "dfs_mount", "d_errstr"} {
		if !words[want] {
			t.Errorf("no reference to %s in the compiled calls", want)
		}
	}
	for _, bad := range []string{"daos_pool_connect", "daos_cont_open", "daos_cont_destroy",
		"daos_cont_create", "daos_obj_generate_oid"} {
		if words[bad] {
			t.Errorf("unversioned symbol %s referenced; the header must rename it", bad)
		}
	}
}

// TestLayout builds testdata/layout.c (static assertions of ABI.md's
// sizes, offsets and constants, then run-time checks of the inlines) as
// C and runs it, and checks the assertions also hold for C++.
func TestLayout(t *testing.T) {
	needCompilers(t)
	root := repoRoot(t)
	inc := filepath.Join(root, "src", "include")
	dir := t.TempDir()
	src := filepath.Join(root, "ci", "cabi", "testdata", "layout.c")
	gurt, _ := filepath.Glob(filepath.Join(root, "src", "gurt", "*.c"))
	bin := filepath.Join(dir, "layout")

	args := append([]string{"-std=c11"}, cWarn...)
	args = append(args, "-I", inc, "-o", bin, src)
	args = append(args, gurt...)
	args = append(args, "-pthread")
	run(t, dir, "gcc", args...)
	out := run(t, dir, bin)
	t.Logf("%s", bytes.TrimSpace(out))

	cxx := append([]string{"-std=c++17"}, cWarn...)
	cxx = append(cxx, "-I", inc, "-fsyntax-only", "-x", "c++", src)
	run(t, dir, "g++", cxx...)
}

// buildGurt compiles src/gurt as the library build will (-fPIC, strict
// C11, warnings fatal), checks the objects link into a shared object
// with no undefined symbols, and builds the cmocka test against them.
func buildGurt(t *testing.T) string {
	return buildGurtTest(t, "gurt_test")
}

// buildGurtTest is buildGurt for the cmocka test testdata/NAME.c.
func buildGurtTest(t *testing.T, name string) string {
	t.Helper()
	root := repoRoot(t)
	inc := filepath.Join(root, "src", "include")
	dir := t.TempDir()
	srcs, _ := filepath.Glob(filepath.Join(root, "src", "gurt", "*.c"))
	if len(srcs) == 0 {
		t.Fatal("no C sources in src/gurt")
	}
	var objs []string
	for _, s := range srcs {
		obj := filepath.Join(dir, strings.TrimSuffix(filepath.Base(s), ".c")+".o")
		args := append([]string{"-std=c11", "-fPIC", "-O2"}, cWarn...)
		args = append(args, "-I", inc, "-c", "-o", obj, s)
		run(t, dir, "gcc", args...)
		objs = append(objs, obj)
	}
	so := append([]string{"-shared", "-Wl,-z,defs", "-o", filepath.Join(dir, "libgurt_check.so")}, objs...)
	run(t, dir, "gcc", append(so, "-pthread")...)

	bin := filepath.Join(dir, name)
	test := filepath.Join(root, "ci", "cabi", "testdata", name+".c")
	base := append([]string{"-std=gnu11", "-g"}, cWarn...)
	base = append(base, "-I", inc, "-o", bin, test)
	base = append(base, srcs...)
	san := append(append([]string{}, base...), "-fsanitize=address,undefined", "-fno-sanitize-recover=all")
	if out, err := exec.Command("gcc", append(san, "-pthread", "-lcmocka")...).CombinedOutput(); err != nil {
		// Sanitizer runtimes are optional; the plain build must work.
		t.Logf("sanitizer build failed, building without: %v\n%s", err, out)
		run(t, dir, "gcc", append(base, "-pthread", "-lcmocka")...)
	}
	return bin
}

// TestTaskScheduler runs the task scheduler's cmocka tests (daos/tse.h,
// src/gurt/tse.c), under the sanitizers when they build here.
func TestTaskScheduler(t *testing.T) {
	needCompilers(t)
	bin := buildGurtTest(t, "tse_test")
	out := run(t, filepath.Dir(bin), bin)
	if !bytes.Contains(out, []byte("PASSED")) || bytes.Contains(out, []byte("FAILED")) {
		t.Fatalf("cmocka run did not pass:\n%s", out)
	}
}

// TestGurt runs the cmocka tests and compares the key hashes and DER
// names with this file's own implementations and pkg/daos.
func TestGurt(t *testing.T) {
	needCompilers(t)
	bin := buildGurt(t)
	dir := filepath.Dir(bin)

	out := run(t, dir, bin)
	if !bytes.Contains(out, []byte("PASSED")) {
		t.Fatalf("cmocka run did not pass:\n%s", out)
	}

	t.Run("hashes", func(t *testing.T) {
		// Every tail length 0..7 twice, bytes above 0x7f, a long key.
		words := []string{"", "a", "ab", "abc", "abcd", "abcde", "abcdef", "abcdefg",
			"abcdefgh", "abcdefghi", "/dir/sub/file.0001", "\xc3\xa9\xff\x80", strings.Repeat("x0y1z2", 40)}
		args := append([]string{"hash"}, words...)
		lines := strings.Split(strings.TrimSpace(string(run(t, dir, bin, args...))), "\n")
		if len(lines) != len(words) {
			t.Fatalf("got %d lines for %d words", len(lines), len(words))
		}
		for i, w := range words {
			want := fmt.Sprintf("%d %d %d", djb2([]byte(w)), murmur64A([]byte(w), 0), murmur64A([]byte(w), 42))
			if lines[i] != want {
				t.Errorf("%q: C gave %q, Go computes %q", w, lines[i], want)
			}
		}
	})

	t.Run("errstr", func(t *testing.T) {
		sc := bufio.NewScanner(bytes.NewReader(run(t, dir, bin, "errstr")))
		n := 0
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) != 2 {
				t.Fatalf("bad line %q", sc.Text())
			}
			code, err := strconv.Atoi(f[0])
			if err != nil {
				t.Fatal(err)
			}
			if want := daos.Errno(code).Name(); f[1] != want {
				t.Errorf("d_errstr(-%d) = %s, pkg/daos names it %s", code, f[1], want)
			}
			n++
		}
		if n < 2000 {
			t.Errorf("only %d codes printed", n)
		}
	})
}

// djb2 as ABI.md 2.4 defines d_hash_string_u32.
func djb2(b []byte) uint32 {
	h := uint32(5381)
	for _, c := range b {
		h = h*33 + uint32(c)
	}
	return h
}

// murmur64A as ABI.md 2.4 defines d_hash_murmur64 (x86_64: little-endian
// words).
func murmur64A(b []byte, seed uint32) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := uint64(seed) ^ uint64(len(b))*m
	for len(b) >= 8 {
		k := binary.LittleEndian.Uint64(b)
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
		b = b[8:]
	}
	if len(b) > 0 {
		for i, c := range b {
			h ^= uint64(c) << (8 * i)
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// TestEveryDeclaredFunctionDefined builds the C part of libdaos
// (src/client, src/gurt) and checks that it defines every function the
// public headers declare: a declaration without a definition compiles
// in an application and then fails to link.
func TestEveryDeclaredFunctionDefined(t *testing.T) {
	needCompilers(t)
	if _, err := exec.LookPath("nm"); err != nil {
		t.Skip("nm not found (binutils)")
	}
	root := repoRoot(t)
	inc := filepath.Join(root, "src", "include")
	dir := t.TempDir()
	var tu strings.Builder
	for _, h := range listHeaders(t, root) {
		fmt.Fprintf(&tu, "#include <%s>\n", h)
	}
	src := filepath.Join(dir, "all.c")
	if err := os.WriteFile(src, []byte(tu.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	aux := filepath.Join(dir, "aux.txt")
	run(t, dir, "gcc", "-std=gnu11", "-I", inc, "-aux-info", aux, "-c", "-o", filepath.Join(dir, "all.o"), src)
	b, err := os.ReadFile(aux)
	if err != nil {
		t.Fatal(err)
	}
	// Lines look like: /* .../src/include/daos_api.h:24:NC */ extern int daos_tx_restart (...);
	declared := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		end := strings.Index(line, "*/")
		if end < 0 || !strings.Contains(line[:end], inc) {
			continue
		}
		decl := strings.TrimSpace(line[end+2:])
		if !strings.HasPrefix(decl, "extern ") {
			continue // static inline helpers need no symbol
		}
		open := strings.Index(decl, " (")
		if open < 0 {
			continue
		}
		fields := strings.Fields(decl[:open])
		name := strings.TrimLeft(fields[len(fields)-1], "*")
		declared[name] = strings.TrimSpace(line[2:end])
	}
	if len(declared) < 100 {
		t.Fatalf("only %d functions found in the headers: is -aux-info's format different here?", len(declared))
	}
	srcs, err := filepath.Glob(filepath.Join(root, "src", "client", "*.c"))
	if err != nil {
		t.Fatal(err)
	}
	gurt, err := filepath.Glob(filepath.Join(root, "src", "gurt", "*.c"))
	if err != nil {
		t.Fatal(err)
	}
	lib := filepath.Join(dir, "libdaos.so")
	args := append([]string{"-std=gnu11", "-fPIC", "-shared", "-I", inc, "-I", filepath.Join(root, "src", "client"), "-o", lib}, srcs...)
	run(t, dir, "gcc", append(args, gurt...)...)
	defined := map[string]bool{}
	for _, f := range strings.Fields(string(run(t, dir, "nm", "-D", "--defined-only", lib))) {
		defined[strings.SplitN(f, "@", 2)[0]] = true
	}
	var missing []string
	for name, where := range declared {
		if !defined[name] {
			missing = append(missing, name+" ("+where+")")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("declared in the public headers but not defined by libdaos:\n  %s", strings.Join(missing, "\n  "))
	}
}
