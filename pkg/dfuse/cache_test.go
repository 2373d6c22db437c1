package dfuse

import (
	"testing"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
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
