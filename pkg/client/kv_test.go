package client_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/vos"
)

// typedOID is an oid of class and object type t.
func typedOID(t *testing.T, c *client.Container, class string, typ placement.OType, lo uint64) daos.ObjectID {
	cid := placement.Name2ID(class)
	require.NotZero(t, cid, class)
	oid, err := placement.GenerateOID(daos.ObjectID{Lo: lo}, typ, cid, 0, c.Pool.Map().Shape(0))
	require.NoError(t, err)
	return oid
}

func TestKV(t *testing.T) {
	c, _ := cluster(t)
	ctx := context.Background()

	_, err := c.OpenKV(oidOf(t, c, "SX", 1))
	assert.ErrorIs(t, err, daos.ErrInval, "a multi-level oid is not a KV")

	kv, err := c.OpenKV(typedOID(t, c, "SX", placement.OTKVHashed, 1))
	require.NoError(t, err)

	require.NoError(t, kv.Put(ctx, "alpha", []byte("one"), 0))
	require.NoError(t, kv.Put(ctx, "beta", []byte("second value"), 0))

	// Size query, then a read.
	n, err := kv.Get(ctx, "beta", nil, 0)
	require.NoError(t, err)
	assert.Equal(t, uint64(12), n)
	buf := make([]byte, 64)
	n, err = kv.Get(ctx, "beta", buf, 0)
	require.NoError(t, err)
	assert.Equal(t, "second value", string(buf[:n]))

	// Overwrite replaces the whole value, shorter or longer.
	require.NoError(t, kv.Put(ctx, "beta", []byte("2"), 0))
	n, err = kv.Get(ctx, "beta", buf, 0)
	require.NoError(t, err)
	assert.Equal(t, "2", string(buf[:n]))

	// Too small a buffer: DER_REC2BIG with the size needed.
	n, err = kv.Get(ctx, "alpha", make([]byte, 2), 0)
	assert.ErrorIs(t, err, daos.ErrRec2big)
	assert.Equal(t, uint64(3), n)

	// A missing key: size 0, or DER_NONEXIST when asked.
	n, err = kv.Get(ctx, "gamma", buf, 0)
	require.NoError(t, err)
	assert.Zero(t, n)
	_, err = kv.Get(ctx, "gamma", buf, client.CondKeyGet)
	assert.ErrorIs(t, err, daos.ErrNonexist)
	_, err = kv.Get(ctx, "gamma", nil, client.CondKeyGet)
	assert.ErrorIs(t, err, daos.ErrNonexist)
	n, err = kv.Get(ctx, "alpha", nil, client.CondKeyGet)
	require.NoError(t, err)
	assert.Equal(t, uint64(3), n)

	// Bad keys and values.
	assert.ErrorIs(t, kv.Put(ctx, "", []byte("x"), 0), daos.ErrInval)
	assert.ErrorIs(t, kv.Put(ctx, strings.Repeat("k", vos.MaxKeyBytes+1), []byte("x"), 0), daos.ErrInval)
	assert.ErrorIs(t, kv.Put(ctx, "empty", nil, 0), daos.ErrInval)
	_, err = kv.Get(ctx, "", buf, 0)
	assert.ErrorIs(t, err, daos.ErrInval)
	assert.ErrorIs(t, kv.Remove(ctx, "", 0), daos.ErrInval)

	// Conditional puts.
	assert.ErrorIs(t, kv.Put(ctx, "alpha", []byte("x"), client.CondKeyInsert), daos.ErrExist)
	assert.ErrorIs(t, kv.Put(ctx, "delta", []byte("x"), client.CondKeyUpdate), daos.ErrNonexist)
	require.NoError(t, kv.Put(ctx, "delta", []byte("x"), client.CondKeyInsert))

	// Remove.
	require.NoError(t, kv.Remove(ctx, "delta", 0))
	n, err = kv.Get(ctx, "delta", buf, 0)
	require.NoError(t, err)
	assert.Zero(t, n)

	// The layout is DAOS's: dkey = key, one single value under akey "0".
	sizes, err := kv.Object().Sizes(ctx, daos.EpochMax, []byte("alpha"), []daos.IOD{{Name: []byte("0"), Type: daos.IODSingle}})
	require.NoError(t, err)
	assert.Equal(t, uint64(3), sizes[0])
}

func TestKVList(t *testing.T) {
	c, _ := cluster(t)
	ctx := context.Background()
	kv, err := c.OpenKV(typedOID(t, c, "SX", placement.OTKVHashed, 2))
	require.NoError(t, err)
	want := map[string]bool{}
	for i := 0; i < 120; i++ {
		k := fmt.Sprintf("key-%03d", i)
		require.NoError(t, kv.Put(ctx, k, []byte(k), 0))
		want[k] = true
	}
	for i := 0; i < 120; i += 7 {
		k := fmt.Sprintf("key-%03d", i)
		require.NoError(t, kv.Remove(ctx, k, 0))
		delete(want, k)
	}
	list := func(page int) []string {
		var got []string
		anchor := &client.Anchor{}
		for !anchor.EOF {
			keys, err := kv.List(ctx, anchor, page)
			require.NoError(t, err)
			require.LessOrEqual(t, len(keys), page)
			got = append(got, keys...)
		}
		sort.Strings(got)
		return got
	}
	var wantKeys []string
	for k := range want {
		wantKeys = append(wantKeys, k)
	}
	sort.Strings(wantKeys)
	for _, page := range []int{1, 5, 1000} {
		assert.Equal(t, wantKeys, list(page), "page of %d", page)
	}
	_, err = kv.List(ctx, &client.Anchor{}, 0)
	assert.ErrorIs(t, err, daos.ErrInval)

	require.NoError(t, kv.Destroy(ctx))
	assert.Empty(t, list(100))
}
