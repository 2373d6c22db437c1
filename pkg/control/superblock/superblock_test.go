package superblock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteRead(t *testing.T) {
	dir := t.TempDir()
	id, err := NewUUID()
	if err != nil {
		t.Fatal(err)
	}
	rank := uint32(3)
	in := &Superblock{UUID: id, System: "daos_server", Rank: &rank, ValidRank: true, Incarnation: 7}
	path := Path(dir, "", 0)
	if err := Write(path, in); err != nil {
		t.Fatal(err)
	}
	out, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if out.UUID != id || out.System != "daos_server" || *out.Rank != 3 || !out.ValidRank || out.Incarnation != 7 {
		t.Fatalf("read back %+v", out)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Read(filepath.Join(dir, "none")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing superblock: %v", err)
	}
	for name, content := range map[string]string{
		"not yaml":   ":::\n\t- [",
		"bad uuid":   "uuid: nope\nsystem: s\n",
		"no system":  "uuid: 2f1c0e1a-6a3b-4c9e-9d3c-1b2a3c4d5e6f\n",
		"rank stray": "uuid: 2f1c0e1a-6a3b-4c9e-9d3c-1b2a3c4d5e6f\nsystem: s\nvalidrank: true\n",
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o600)
		if _, err := Read(p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPath(t *testing.T) {
	if got := Path("/mnt/daos", "", 1); got != "/mnt/daos/superblock" {
		t.Fatal(got)
	}
	if got := Path("/mnt/daos", "/var/daos/config", 1); got != "/var/daos/config/daos_control/engine1/superblock" {
		t.Fatal(got)
	}
}

func TestNewUUID(t *testing.T) {
	a, _ := NewUUID()
	b, _ := NewUUID()
	if a == b || !uuidRE.MatchString(a) || a[14] != '4' {
		t.Fatalf("%s %s", a, b)
	}
}
