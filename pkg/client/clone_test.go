package client_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

// TestClone copies a container's objects into another (on engines of
// their own) and checks that the copy reads as the source did.
func TestClone(t *testing.T) {
	ctx := context.Background()
	src, _ := cluster(t)
	dst, _ := cluster(t)
	single := func(name string, n int) daos.IOD {
		return daos.IOD{Name: []byte(name), Type: daos.IODSingle, Size: uint64(n)}
	}
	array := func(name string, rsize uint64, r ...daos.Recx) daos.IOD {
		return daos.IOD{Name: []byte(name), Type: daos.IODArray, Size: rsize, Recxs: r}
	}
	fill := func(n int, seed byte) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = seed + byte(i*7)
		}
		return b
	}
	var oids []daos.ObjectID
	for i, class := range []string{"S1", "S2", "SX"} {
		oid := oidOf(t, src, class, uint64(500+i))
		oids = append(oids, oid)
		o, err := src.Object(oid)
		require.NoError(t, err)
		for d := range 5 {
			dk := []byte(fmt.Sprintf("d%d", d))
			_, err = o.Update(ctx, dk, []daos.IOD{single("old", 10)}, [][]byte{fill(10, 1)}, 0)
			require.NoError(t, err)
			// Overwritten: only the newest counts.
			_, err = o.Update(ctx, dk, []daos.IOD{single("old", 3000)}, [][]byte{fill(3000, byte(d))}, 0)
			require.NoError(t, err)
			// A sparse array of 8-byte records, one extent over 4 MiB.
			big := daos.Recx{Idx: 1000, Nr: 600_000}
			_, err = o.Update(ctx, dk, []daos.IOD{array("arr", 8, daos.Recx{Idx: 3, Nr: 5}, big)},
				[][]byte{fill(8*(5+600_000), byte(i))}, 0)
			require.NoError(t, err)
			// An overlapping rewrite of part of it.
			_, err = o.Update(ctx, dk, []daos.IOD{array("arr", 8, daos.Recx{Idx: 5, Nr: 2000})}, [][]byte{fill(16000, 99)}, 0)
			require.NoError(t, err)
		}
		// A punched dkey is not copied.
		_, err = o.Update(ctx, []byte("gone"), []daos.IOD{single("v", 4)}, [][]byte{fill(4, 3)}, 0)
		require.NoError(t, err)
		require.NoError(t, o.PunchDkeys(ctx, [][]byte{[]byte("gone")}, 0))
	}

	var calls int
	st, err := client.Clone(ctx, src, dst, 0, func(client.CloneStats) { calls++ })
	require.NoError(t, err)
	require.Equal(t, uint64(3), st.Objects)
	require.Equal(t, 3, calls)
	require.Equal(t, uint64(15), st.Dkeys)
	require.Equal(t, uint64(30), st.Akeys)

	got, err := dst.ListObjects(ctx, 0)
	require.NoError(t, err)
	want, err := src.ListObjects(ctx, 0)
	require.NoError(t, err)
	require.Equal(t, want, got)
	read := func(c *client.Container, oid daos.ObjectID, dk string, iod daos.IOD, n int) []byte {
		o, err := c.Object(oid)
		require.NoError(t, err)
		buf := make([]byte, n)
		_, err = o.Fetch(ctx, daos.EpochMax, []byte(dk), []daos.IOD{iod}, [][]byte{buf}, 0)
		require.NoError(t, err)
		return buf
	}
	whole := array("arr", 8, daos.Recx{Idx: 0, Nr: 601_000})
	for _, oid := range oids {
		for d := range 5 {
			dk := fmt.Sprintf("d%d", d)
			require.True(t, bytes.Equal(read(src, oid, dk, single("old", 3000), 3000), read(dst, oid, dk, single("old", 3000), 3000)))
			require.True(t, bytes.Equal(read(src, oid, dk, whole, 8*601_000), read(dst, oid, dk, whole, 8*601_000)), "%s %s arr", oid, dk)
		}
		o, err := dst.Object(oid)
		require.NoError(t, err)
		sizes, err := o.Sizes(ctx, daos.EpochMax, []byte("gone"), []daos.IOD{single("v", 0)})
		require.NoError(t, err)
		require.Zero(t, sizes[0], "a punched dkey stays gone")
	}
}

// TestCheck reads a whole container back; a target that fails makes
// problems of the values on it, and the check goes on past them.
func TestCheck(t *testing.T) {
	ctx := context.Background()
	c, all := cluster(t)
	iod := []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: 100}}
	for i := range 24 {
		o, err := c.Object(oidOf(t, c, "S1", uint64(700+i)))
		require.NoError(t, err)
		for d := range 3 {
			_, err = o.Update(ctx, []byte(fmt.Sprintf("d%d", d)), iod, [][]byte{bytes.Repeat([]byte{byte(i)}, 100)}, 0)
			require.NoError(t, err)
		}
	}
	st, problems, err := client.Check(ctx, c, 0, nil)
	require.NoError(t, err)
	require.Empty(t, problems)
	require.Equal(t, client.CloneStats{Objects: 24, Dkeys: 72, Akeys: 72, Bytes: 7200}, st)

	// Close the last object's target once the check has listed the
	// objects and read the first: what lives there cannot be read.
	objs, err := c.ListObjects(ctx, 0)
	require.NoError(t, err)
	o, err := c.Object(objs[len(objs)-1])
	require.NoError(t, err)
	l, err := o.Layout()
	require.NoError(t, err)
	victim := l.Group(0)[0]
	closed := false
	st, problems, err = client.Check(ctx, c, 0, func(client.CloneStats) {
		if !closed {
			closed = true
			require.NoError(t, all[victim.Rank][victim.Target].Close())
		}
	})
	require.NoError(t, err, "a failing target is a problem, not the end of the check")
	require.Equal(t, uint64(24), st.Objects)
	require.NotEmpty(t, problems)
	require.Less(t, len(problems), 24, "objects elsewhere are still read")
	for _, p := range problems {
		require.Error(t, p.Err)
	}
}
