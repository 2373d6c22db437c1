package dfuse

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/dfs"
)

func TestCacheFlags(t *testing.T) {
	flags := func(cfg Config, opens int) []uint32 {
		n := &node{fsys: &fsys{cfg: cfg}}
		var out []uint32
		for range opens {
			out = append(out, n.cacheFlags())
		}
		return out
	}
	keep, direct := uint32(fuse.FOPEN_KEEP_CACHE), uint32(fuse.FOPEN_DIRECT_IO)
	for _, tc := range []struct {
		name string
		cfg  Config
		want []uint32
	}{
		{"attr default", Config{AttrTimeout: time.Second}, []uint32{keep, keep}},
		{"attr default, no caching", Config{}, []uint32{0, 0}},
		{"on", Config{DataCache: DataCache{Mode: DataCacheOn}}, []uint32{keep, keep}},
		{"off", Config{AttrTimeout: time.Second, DataCache: DataCache{Mode: DataCacheOff}}, []uint32{direct, direct}},
		{"otoc", Config{AttrTimeout: time.Second, DataCache: DataCache{Mode: DataCacheOpenToClose}}, []uint32{0, 0}},
		// The first open has nothing cached to keep; the second, soon
		// after, keeps it.
		{"for an hour", Config{DataCache: DataCache{Mode: DataCacheFor, Time: time.Hour}}, []uint32{0, keep}},
		{"for no time", Config{DataCache: DataCache{Mode: DataCacheFor}}, []uint32{0, 0}},
	} {
		got := flags(tc.cfg, len(tc.want))
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: open %d flags %#x, want %#x", tc.name, i, got[i], tc.want[i])
			}
		}
	}
}

func TestDirectoryAttrCache(t *testing.T) {
	dir := &dfs.Stat{Mode: syscall.S_IFDIR | 0o755, UID: 7}
	file := &dfs.Stat{Mode: syscall.S_IFREG | 0o644}
	newNode := func(timeout time.Duration) *node { return &node{fsys: &fsys{cfg: Config{AttrTimeout: timeout}}} }

	n := newNode(time.Hour)
	_, ok := n.cachedAttr()
	require.False(t, ok, "nothing read yet")
	n.rememberAttr(dir)
	st, ok := n.cachedAttr()
	require.True(t, ok)
	require.Equal(t, *dir, st)

	// A cache hit answers GETATTR without DFS (this node has none: a
	// call to it would panic).
	var out fuse.AttrOut
	require.Equal(t, syscall.Errno(0), n.Getattr(context.Background(), nil, &out))
	require.Equal(t, dir.Mode, out.Mode)
	require.Equal(t, dir.UID, out.Uid)

	n.setHandle(nil)
	_, ok = n.cachedAttr()
	require.False(t, ok, "a new handle (rename, lookup) forgets what the old one said")
	n.rememberAttr(dir)
	n.forgetAttr()
	_, ok = n.cachedAttr()
	require.False(t, ok, "a failed setattr forgets")

	f := newNode(time.Hour)
	f.rememberAttr(file)
	_, ok = f.cachedAttr()
	require.False(t, ok, "files are never cached: writes move their size and mtime")

	off := newNode(0)
	off.rememberAttr(dir)
	_, ok = off.cachedAttr()
	require.False(t, ok, "no attribute caching at all")

	short := newNode(20 * time.Millisecond)
	short.rememberAttr(dir)
	time.Sleep(30 * time.Millisecond)
	_, ok = short.cachedAttr()
	require.False(t, ok, "expired after the attribute timeout")
}

func TestCapabilityAbsenceCache(t *testing.T) {
	n := &node{fsys: &fsys{cfg: Config{AttrTimeout: time.Hour}}}
	require.False(t, n.capAbsent(), "nothing known yet")
	n.noCapability(true)
	require.True(t, n.capAbsent())
	// Known absent: answered without DFS (this node has none).
	sz, no := n.Getxattr(context.Background(), xattrCapability, nil)
	require.Equal(t, syscall.ENODATA, no)
	require.Zero(t, sz)

	n.noCapability(false)
	require.False(t, n.capAbsent(), "setting or removing it through the mount forgets")
	n.noCapability(true)
	n.setHandle(nil)
	require.False(t, n.capAbsent(), "a new handle forgets")

	off := &node{fsys: &fsys{cfg: Config{}}}
	off.noCapability(true)
	require.False(t, off.capAbsent(), "no attribute caching at all")
}
