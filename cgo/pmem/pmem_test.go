package pmem

import (
	"bytes"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// impl is one way to create and open mappings: the exported API and each
// implementation compiled into this build.
type impl struct {
	name   string
	create func(path string, size int64) (*Mapping, error)
	open   func(path string) (*Mapping, error)
}

func impls() []impl {
	list := []impl{{"api", Create, Open}}
	for _, name := range []string{"go", "pmdk"} {
		if mp, ok := mapperNamed(name); ok {
			list = append(list, impl{name, mp.Create, mp.Open})
		}
	}
	return list
}

func mapperNamed(name string) (mapper, bool) {
	if name == "go" {
		return goMapper(), true
	}
	return pmdkMapper()
}

// shmDir is emulated PMem: a fresh directory on tmpfs.
func shmDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.MkdirTemp("/dev/shm", "pmem-test-")
	if err != nil {
		tb.Skipf("no /dev/shm: %v", err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func testDirs(t *testing.T) map[string]string {
	return map[string]string{"shm": shmDir(t), "regular": t.TempDir()}
}

func pattern(n int, seed byte) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7) ^ seed
	}
	return p
}

func TestRoundTrip(t *testing.T) {
	const size = 3*4096 + 123 // not a page multiple on purpose
	for dirName, dir := range testDirs(t) {
		for _, im := range impls() {
			t.Run(dirName+"/"+im.name, func(t *testing.T) {
				path := filepath.Join(dir, im.name+".pmem")
				m, err := im.create(path, size)
				require.NoError(t, err)
				require.Equal(t, int64(size), m.Len())
				require.Equal(t, path, m.Path())
				want := make([]byte, size)
				require.Equal(t, want, m.Bytes(), "a new file reads as zeros")

				// Stores through Bytes, then Persist.
				copy(m.Bytes()[100:], pattern(5000, 1))
				copy(want[100:], pattern(5000, 1))
				require.NoError(t, m.Persist(100, 5000))

				// CopyPersist across a page boundary, up to the last byte.
				require.NoError(t, m.CopyPersist(size-300, pattern(300, 2)))
				copy(want[size-300:], pattern(300, 2))

				// Two ranges behind one Drain.
				copy(m.Bytes()[6000:], pattern(10, 3))
				copy(m.Bytes()[9000:], pattern(2000, 4))
				copy(want[6000:], pattern(10, 3))
				copy(want[9000:], pattern(2000, 4))
				require.NoError(t, m.Flush(6000, 10))
				require.NoError(t, m.Flush(9000, 2000))
				m.Drain()

				require.NoError(t, m.Close())

				onDisk, err := os.ReadFile(path)
				require.NoError(t, err)
				require.Equal(t, want, onDisk)
				fi, err := os.Stat(path)
				require.NoError(t, err)
				require.Equal(t, fs.FileMode(0o600), fi.Mode().Perm())

				m, err = im.open(path)
				require.NoError(t, err)
				require.Equal(t, int64(size), m.Len())
				require.Equal(t, want, m.Bytes())
				require.NoError(t, m.Close())
			})
		}
	}
}

func TestBadInput(t *testing.T) {
	dir := shmDir(t)
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			path := filepath.Join(dir, im.name+".pmem")

			for _, size := range []int64{0, -1, math.MinInt64} {
				_, err := im.create(path, size)
				require.Error(t, err, "size %d", size)
				require.NoFileExists(t, path)
			}

			existing := filepath.Join(dir, im.name+".existing")
			require.NoError(t, os.WriteFile(existing, []byte("keep me"), 0o600))
			_, err := im.create(existing, 4096)
			require.ErrorIs(t, err, fs.ErrExist)
			got, err := os.ReadFile(existing)
			require.NoError(t, err)
			require.Equal(t, "keep me", string(got), "a failed Create must not touch the file")

			_, err = im.open(filepath.Join(dir, "missing"))
			require.ErrorIs(t, err, fs.ErrNotExist)
			require.ErrorContains(t, err, "missing")

			empty := filepath.Join(dir, im.name+".empty")
			require.NoError(t, os.WriteFile(empty, nil, 0o600))
			_, err = im.open(empty)
			require.Error(t, err)

			m, err := im.create(path, 4096)
			require.NoError(t, err)
			ranges := [][2]int64{{-1, 1}, {0, -1}, {4096, 1}, {1, 4096}, {4000, 200}, {1, math.MaxInt64}, {math.MaxInt64, 1}}
			for _, r := range ranges {
				err := m.Persist(r[0], r[1])
				require.ErrorIs(t, err, ErrOutOfRange, "persist %v", r)
				require.ErrorContains(t, err, fmt.Sprintf("range [%d, +%d)", r[0], r[1]))
				require.ErrorIs(t, m.Flush(r[0], r[1]), ErrOutOfRange, "flush %v", r)
			}
			require.ErrorIs(t, m.CopyPersist(4095, []byte{1, 2}), ErrOutOfRange)
			require.ErrorIs(t, m.CopyPersist(-1, []byte{1}), ErrOutOfRange)
			require.NoError(t, m.Persist(4096, 0), "an empty range at the end is fine")
			require.NoError(t, m.CopyPersist(4096, nil))
			require.Equal(t, make([]byte, 4096), m.Bytes(), "rejected calls must not write")

			require.NoError(t, m.Close())
			require.ErrorIs(t, m.Persist(0, 1), ErrClosed)
			require.ErrorIs(t, m.CopyPersist(0, []byte{1}), ErrClosed)
			require.ErrorIs(t, m.Flush(0, 1), ErrClosed)
			m.Drain()
			require.Nil(t, m.Bytes())
			require.Zero(t, m.Len())
			require.False(t, m.IsPMem())
			require.ErrorIs(t, m.Close(), ErrClosed)
		})
	}
}

// TestCrossCheck shows both backends agree on the file: each reads what the
// other persisted.
func TestCrossCheck(t *testing.T) {
	pmdk, ok := pmdkMapper()
	if !ok {
		t.Skip("built without -tags pmdk")
	}
	pairs := [][2]mapper{{pmdk, goMapper()}, {goMapper(), pmdk}}
	for _, dir := range testDirs(t) {
		for _, p := range pairs {
			writer, reader := p[0], p[1]
			path := filepath.Join(dir, writer.name+"-to-"+reader.name)
			m, err := writer.Create(path, 1<<20)
			require.NoError(t, err)
			require.NoError(t, m.CopyPersist(12345, pattern(100000, 5)))
			require.NoError(t, m.Close())

			m, err = reader.Open(path)
			require.NoError(t, err)
			require.Equal(t, pattern(100000, 5), m.Bytes()[12345:112345])
			require.NoError(t, m.CopyPersist(0, []byte("answer")))
			require.NoError(t, m.Close())

			m, err = writer.Open(path)
			require.NoError(t, err)
			require.Equal(t, "answer", string(m.Bytes()[:6]))
			require.NoError(t, m.Close())
		}
	}
}

func TestIsPMemFalseOffPMem(t *testing.T) {
	if v, set := os.LookupEnv("PMEM_IS_PMEM_FORCE"); set {
		t.Skipf("PMEM_IS_PMEM_FORCE=%s is set", v)
	}
	for dirName, dir := range testDirs(t) {
		for _, im := range impls() {
			m, err := im.create(filepath.Join(dir, im.name), 4096)
			require.NoError(t, err)
			require.False(t, m.IsPMem(), "%s on %s", im.name, dirName)
			require.NoError(t, m.Close())
		}
	}
}

// libpmem reads PMEM_IS_PMEM_FORCE once per process, so each value gets its
// own run of the test binary.
const isPMemChildEnv = "PMEM_TEST_IS_PMEM_DIR"

func TestIsPMemForced(t *testing.T) {
	if dir := os.Getenv(isPMemChildEnv); dir != "" {
		for _, im := range impls() {
			m, err := im.create(filepath.Join(dir, im.name), 4096)
			require.NoError(t, err)
			fmt.Printf("is_pmem %s=%v\n", im.name, m.IsPMem())
			require.NoError(t, m.Close())
		}
		return
	}
	for _, force := range []string{"0", "1"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestIsPMemForced$")
		cmd.Env = append(os.Environ(), isPMemChildEnv+"="+t.TempDir(), "PMEM_IS_PMEM_FORCE="+force)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		for _, im := range impls() {
			// Only libpmem honours the variable.
			usesPMDK := im.name == "pmdk" || im.name == "api" && Backend == "pmdk"
			want := force == "1" && usesPMDK
			require.Contains(t, string(out), fmt.Sprintf("is_pmem %s=%v\n", im.name, want), "force=%s", force)
		}
	}
}

// BenchmarkCopyPersist compares the backends on emulated PMem; the names are
// paired by scripts, so keep them stable.
func BenchmarkCopyPersist(b *testing.B) {
	const fileSize = 64 << 20
	sizes := []struct {
		name string
		n    int64
	}{{"4KiB", 4 << 10}, {"1MiB", 1 << 20}}
	for _, size := range sizes {
		b.Run("size="+size.name, func(b *testing.B) {
			for _, name := range []string{"pmdk", "go"} {
				b.Run("impl="+name, func(b *testing.B) {
					mp, ok := mapperNamed(name)
					if !ok {
						b.Skip("built without -tags pmdk")
					}
					m, err := mp.Create(filepath.Join(shmDir(b), "bench.pmem"), fileSize)
					require.NoError(b, err)
					b.Cleanup(func() { m.Close() })
					// Fault every page in first: measure copy and persist, not
					// tmpfs page faults.
					data := m.Bytes()
					for i := 0; i < len(data); i += 4096 {
						data[i] = 1
					}
					src := bytes.Repeat([]byte{0xa5}, int(size.n))
					b.SetBytes(size.n)
					var off int64
					for b.Loop() {
						if err := m.CopyPersist(off, src); err != nil {
							b.Fatal(err)
						}
						if off += size.n; off+size.n > fileSize {
							off = 0
						}
					}
				})
			}
		})
	}
}

// TestRAMBacked: files on tmpfs need no write-back (their pages are the
// medium); files on a disk-backed file system do.
func TestRAMBacked(t *testing.T) {
	for dirName, dir := range testDirs(t) {
		want, err := onRAMFileSystem(dir)
		require.NoError(t, err)
		if dirName == "shm" {
			require.True(t, want, "/dev/shm is expected to be tmpfs")
		}
		for _, im := range impls() {
			path := filepath.Join(dir, im.name+".ram")
			m, err := im.create(path, 8192)
			require.NoError(t, err)
			require.Equal(t, want, m.RAMBacked(), "%s on %s", im.name, dirName)
			// Durability is trivial on RAM, but the bytes must still land.
			require.NoError(t, m.CopyPersist(4000, pattern(300, 9)))
			require.NoError(t, m.Close())
			require.False(t, m.RAMBacked(), "after Close")
			onDisk, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, pattern(300, 9), onDisk[4000:4300])
		}
	}
}
