package vos

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
)

// checkTree walks the tree and checks its invariants: entries in strictly
// increasing (order key, name), every key at or above its child's bound
// (so below the next child's), no empty node, the size right. It returns the
// names in tree order.
func checkTree(t *testing.T, tr *dkeyTree) []string {
	t.Helper()
	var names []string
	var walk func(n *dnode, lowK uint64, lowName string, root bool)
	walk = func(n *dnode, lowK uint64, lowName string, root bool) {
		require.True(t, n.n > 0 || root, "empty node")
		for j := 0; j < dnodeFences; j++ {
			want := ^uint64(0)
			if last := j*fenceBlock + fenceBlock - 1; last < int(n.n) {
				want = n.ks[last]
			}
			require.Equal(t, want, n.fence[j], "fence %d", j)
		}
		for i := 0; i < int(n.n); i++ {
			require.Equal(t, tr.order.orderKey(n.nameAt(i)), n.ks[i], "order key of %q", n.nameAt(i))
			if i > 0 {
				require.True(t, keyLess(n.ks[i-1], n.nameAt(i-1), n.ks[i], n.nameAt(i)), "entries out of order")
			}
			if n.leaf() {
				require.False(t, keyLess(n.ks[i], n.nameAt(i), lowK, lowName), "key below its bound")
				names = append(names, n.dkeyAt(i).name)
				continue
			}
			walk(n.in.kids[i], n.ks[i], n.in.bounds[i], false)
		}
	}
	if tr.root != nil {
		walk(tr.root, 0, "", true)
	}
	require.Len(t, names, tr.Len())
	for i := 1; i < len(names); i++ {
		a, b := names[i-1], names[i]
		require.True(t, keyLess(tr.order.orderKey(a), a, tr.order.orderKey(b), b), "tree order broken at %q, %q", a, b)
	}
	return names
}

func TestDkeyTreeAgainstModel(t *testing.T) {
	orders := []struct {
		name  string
		order dkeyOrder
		key   func(i int) string
		sort  func(a, b string) int
	}{
		{"hash", orderHash, func(i int) string { return fmt.Sprintf("key-%d", i) }, nil},
		{"lexical", orderLexical, func(i int) string { return fmt.Sprintf("k%06d", i) }, strings.Compare},
		{"uint64", orderUint64, func(i int) string {
			return string(binary.LittleEndian.AppendUint64(nil, uint64(i)*7919))
		}, func(a, b string) int {
			x, y := binary.LittleEndian.Uint64([]byte(a)), binary.LittleEndian.Uint64([]byte(b))
			return int(int64(x>>1) - int64(y>>1))
		}},
		// Many keys share an 8-byte prefix: every comparison ties on the
		// order key and falls back to the name.
		{"lexical-shared-prefix", orderLexical, func(i int) string { return fmt.Sprintf("prefix--%d", i) }, strings.Compare},
	}
	for _, o := range orders {
		t.Run(o.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(len(o.name)), 7))
			tr := newDkeyTree(o.order)
			model := map[string]*dkey{}
			const space = 5000
			for step := 0; step < 40000; step++ {
				name := o.key(rng.IntN(space))
				switch r := rng.IntN(10); {
				case r < 6 || step < 3000:
					d := &dkey{name: name}
					if found, at := tr.find(name); found == nil && r%2 == 0 {
						// The finger path, as an update takes it.
						tr.insertAt(at, d)
					} else {
						tr.ReplaceOrInsert(d)
					}
					model[name] = d
				case r < 9:
					tr.Delete(&dkey{name: name})
					delete(model, name)
				default:
					require.Same(t, model[name], tr.get(name))
				}
				if step%4999 == 0 {
					names := checkTree(t, &tr)
					require.Len(t, names, len(model))
					for _, n := range names {
						require.Same(t, model[n], tr.get(n))
					}
					if o.sort != nil {
						require.True(t, slices.IsSortedFunc(names, o.sort), "tree order is the key order")
					}
				}
			}
			names := checkTree(t, &tr)
			// Resuming from any key gives the tail of the full order, in
			// both directions.
			for _, i := range []int{0, 1, len(names) / 2, len(names) - 1} {
				var got []string
				tr.AscendGreaterOrEqual(&dkey{name: names[i]}, func(d *dkey) bool { got = append(got, d.name); return true })
				require.Equal(t, names[i:], got)
			}
			var rev []string
			tr.Descend(func(d *dkey) bool { rev = append(rev, d.name); return true })
			slices.Reverse(rev)
			require.Equal(t, names, rev)
			// Empty it completely.
			for _, n := range names {
				tr.Delete(&dkey{name: n})
			}
			require.Equal(t, 0, tr.Len())
			require.Nil(t, tr.root)
		})
	}
}

// TestFingerGoesStale: a finger taken before the tree changed is not used.
func TestFingerGoesStale(t *testing.T) {
	tr := newDkeyTree(orderLexical)
	for i := 0; i < 10; i++ {
		tr.ReplaceOrInsert(&dkey{name: fmt.Sprint("k", i*2)})
	}
	_, at := tr.find("k5")
	require.True(t, at.ok)
	tr.ReplaceOrInsert(&dkey{name: "k3"}) // moves entries in at's leaf
	tr.insertAt(at, &dkey{name: "k5"})
	names := checkTree(t, &tr)
	require.True(t, slices.IsSorted(names), "%v", names)
	require.NotNil(t, tr.get("k5"))
}

// TestDkeyTreeSequentialFill: keys inserted in order fill nodes, not half.
func TestDkeyTreeSequentialFill(t *testing.T) {
	tr := newDkeyTree(orderUint64)
	const n = 100 * dnodeMax
	for i := 0; i < n; i++ {
		tr.ReplaceOrInsert(&dkey{name: string(binary.LittleEndian.AppendUint64(nil, uint64(i)))})
	}
	leaves := 0
	var count func(n *dnode)
	count = func(n *dnode) {
		if n.leaf() {
			leaves++
			return
		}
		for i := 0; i < int(n.n); i++ {
			count(n.in.kids[i])
		}
	}
	count(tr.root)
	require.Equal(t, n/dnodeMax, leaves)
	checkTree(t, &tr)
}

func TestDkeyOrderOf(t *testing.T) {
	oid := func(otype uint64) daos.ObjectID { return daos.ObjectID{Hi: otype<<56 | 5, Lo: 1} }
	require.Equal(t, orderHash, dkeyOrderOf(oid(0)))
	require.Equal(t, orderUint64, dkeyOrderOf(oid(otypeArray)))
	require.Equal(t, orderLexical, dkeyOrderOf(oid(otypeMultiLexical)))
	require.ErrorIs(t, checkDkey(oid(otypeArray), []byte("abc")), daos.ErrInval)
	require.NoError(t, checkDkey(oid(otypeArray), make([]byte, 8)))
	require.NoError(t, checkDkey(oid(0), []byte("abc")))
}
