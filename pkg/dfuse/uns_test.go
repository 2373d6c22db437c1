package dfuse

import (
	"context"
	"testing"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/uns"
)

// TestContainerInodeNumbers: object ids repeat across containers, so a
// linked container's inode numbers are salted, and none is reserved.
func TestContainerInodeNumbers(t *testing.T) {
	own := &fsys{}
	a := &fsys{salt: salt("1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9")}
	b := &fsys{salt: salt("8a9e7f4c-3d2b-4a1e-9c6f-5b4d3c2a1f0e")}
	require.NotZero(t, a.salt)
	require.NotEqual(t, a.salt, b.salt)
	for lo := uint64(1); lo < 2000; lo++ {
		oid := daos.ObjectID{Hi: 7 << 32, Lo: lo}
		require.Equal(t, ino(oid), own.ino(oid), "the mount's own container keeps its numbers")
		for _, f := range []*fsys{a, b} {
			v := f.ino(oid)
			require.Greater(t, v, uint64(fuse.FUSE_ROOT_ID))
			require.NotEqual(t, ^uint64(0), v)
			require.NotEqual(t, own.ino(oid), v)
		}
		require.NotEqual(t, a.ino(oid), b.ino(oid))
	}
	require.Zero(t, a.ino(daos.ObjectID{}), "symbolic links keep automatic numbers")
}

// TestLinkVerdicts: verdicts are kept only when links are followed, and
// their number is bounded.
func TestLinkVerdicts(t *testing.T) {
	f := &fsys{}
	f.rememberLink(daos.ObjectID{Lo: 1}, nil)
	require.Nil(t, f.links, "nothing to remember when links are not followed")
	f.cfg.OpenLinked = func(context.Context, uns.Link) (*Linked, error) { return nil, nil }
	for i := range maxLinkVerdicts + 10 {
		f.rememberLink(daos.ObjectID{Lo: uint64(i)}, nil)
	}
	require.LessOrEqual(t, len(f.links), maxLinkVerdicts)
	l := &uns.Link{Type: "POSIX", Pool: "p", Cont: "c"}
	f.rememberLink(daos.ObjectID{Lo: 99}, l)
	require.Same(t, l, f.links[daos.ObjectID{Lo: 99}])
}
