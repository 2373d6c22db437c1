package placement

import (
	"fmt"
	"testing"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/stretchr/testify/require"
)

// testMap is 8 ranks x 4 targets in 4 fault domains of 2 ranks.
func testSpecs() []RankSpec {
	var specs []RankSpec
	for r := uint32(0); r < 8; r++ {
		specs = append(specs, RankSpec{Rank: r, Targets: 4, FaultPath: fmt.Sprintf("/rack%d/node%d", r%4, r)})
	}
	return specs
}

func testMap(t testing.TB) *PoolMap {
	m, err := NewPoolMap(testSpecs())
	require.NoError(t, err)
	return m
}

func mustOID(t testing.TB, lo uint64, typ OType, cid ClassID, ps PoolShape) daos.ObjectID {
	oid, err := GenerateOID(daos.ObjectID{Lo: lo, Hi: lo >> 7 & 0xFFFFFFFF}, typ, cid, 0, ps)
	require.NoError(t, err)
	return oid
}

func TestLayoutSmoke(t *testing.T) {
	m := testMap(t)
	for _, name := range []string{"S1", "S4", "SX", "RP_3G1", "RP_2GX", "EC_2P1G1", "EC_2P1GX", "RP_4G2"} {
		oid := mustOID(t, 42, OTMultiHashed, Name2ID(name), m.Shape(0))
		l, err := m.Layout(oid)
		require.NoError(t, err)
		t.Log(name, l)
	}
}

func BenchmarkLayout(b *testing.B) {
	m := testMap(b)
	for _, name := range []string{"S1", "RP_3G1", "EC_2P1G1", "SX"} {
		oid := mustOID(b, 1, OTMultiHashed, Name2ID(name), m.Shape(0))
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				oid.Lo = uint64(i)
				if _, err := m.Layout(oid); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
