package systest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// LibdaosLibs are the names applications link; all resolve to
// libdaos.so.2, which holds the whole C API (ABI.md 0.3-0.4).
var LibdaosLibs = []string{"libdaos.so", "libdfs.so", "libduns.so", "libgurt.so", "libcart.so", "libdaos_common.so"}

// moduleRoot is the root of this Go module (the repository).
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module root: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("find the module root: not inside the module")
	}
	return filepath.Dir(mod), nil
}

// BuildLibdaos builds the C library as `scons install` lays it out:
// libdir/libdaos.so.2 (the C entry points and libgurt's C code), the names
// of LibdaosLibs as links to it, and libdir/daos-go/libdaos_core.so (the
// Go core it loads). It returns the include directory to compile against.
func BuildLibdaos(ctx context.Context, libdir string) (string, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	inc := filepath.Join(root, "src", "include")
	if err := os.MkdirAll(filepath.Join(libdir, "daos-go"), 0o755); err != nil {
		return "", err
	}
	sum, err := HeadersSum(root)
	if err != nil {
		return "", err
	}
	core := exec.CommandContext(ctx, "go", "build", "-buildmode=c-shared", "-tags", os.Getenv(BuildTagsEnv),
		"-o", filepath.Join(libdir, "daos-go", "libdaos_core.so"), "./bindings/libdaos")
	core.Dir = root
	core.Env = append(os.Environ(), "CGO_CFLAGS=-O2 -g -DDAOS_GO_HEADERS="+sum)
	if out, err := core.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the Go core of libdaos: %v\n%s", err, out)
	}
	srcs, err := filepath.Glob(filepath.Join(root, "src", "gurt", "*.c"))
	if err != nil {
		return "", err
	}
	client, err := filepath.Glob(filepath.Join(root, "src", "client", "*.c"))
	if err != nil {
		return "", err
	}
	args := append([]string{"-std=gnu11", "-O2", "-g", "-Wall", "-Wextra", "-Werror", "-fPIC", "-shared",
		"-I", inc, "-I", filepath.Join(root, "src", "client"),
		"-o", filepath.Join(libdir, "libdaos.so.2"), "-Wl,-soname,libdaos.so.2"}, client...)
	args = append(args, srcs...)
	args = append(args, "-ldl", "-lpthread", "-luuid")
	if out, err := exec.CommandContext(ctx, "gcc", args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("build libdaos.so.2: %v\n%s", err, out)
	}
	for _, l := range LibdaosLibs {
		p := filepath.Join(libdir, l)
		_ = os.Remove(p)
		if err := os.Symlink("libdaos.so.2", p); err != nil {
			return "", err
		}
	}
	return inc, nil
}

// HeadersSum is a digest of the C headers the Go core compiles against
// (src/include, src/client/*.h). Go's build cache does not notice changes
// to headers outside a package's folder, so builds pass it in CGO_CFLAGS,
// which the cache does key on: a changed header rebuilds the core.
func HeadersSum(root string) (string, error) {
	h := sha256.New()
	var files []string
	err := filepath.WalkDir(filepath.Join(root, "src", "include"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".h") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("list the C headers: %w", err)
	}
	more, err := filepath.Glob(filepath.Join(root, "src", "client", "*.h"))
	if err != nil {
		return "", err
	}
	files = append(files, more...)
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.Base(f), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)[:8]), nil
}
