package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRuntimeDirMustBePrivate: a runtime_dir others may write is refused
// (they could replace the socket under the clients), as is a symlink.
func TestRuntimeDirMustBePrivate(t *testing.T) {
	base := t.TempDir()
	ok := filepath.Join(base, "ok")
	if err := os.Mkdir(ok, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := checkPrivateDir(ok); err != nil {
		t.Fatalf("a 0755 directory of ours: %v", err)
	}
	open := filepath.Join(base, "open")
	if err := os.Mkdir(open, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := checkPrivateDir(open); err == nil || !strings.Contains(err.Error(), "writable by group or others") {
		t.Fatalf("a world-writable runtime_dir: %v", err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(ok, link); err != nil {
		t.Fatal(err)
	}
	if err := checkPrivateDir(link); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("a symlinked runtime_dir: %v", err)
	}
}
