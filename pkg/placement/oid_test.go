package placement

import (
	"testing"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/stretchr/testify/require"
)

func TestGenerateOID(t *testing.T) {
	small := PoolShape{Targets: 32, Domains: 4}
	big := PoolShape{Targets: 512, Domains: 64, RdFac: 2}
	in := daos.ObjectID{Hi: 0xDEADBEEF_12345678, Lo: 0x1122334455667788}
	for _, tc := range []struct {
		name   string
		typ    OType
		cid    ClassID
		ps     PoolShape
		redun  Redun
		groups uint32
		err    daos.Errno
	}{
		{"S1", OTMultiHashed, Name2ID("S1"), small, RP1, 1, 0},
		{"S32 fits", OTKVHashed, Name2ID("S32"), small, RP1, 32, 0},
		{"SX small", OTArray, Name2ID("SX"), small, RP1, 32, 0},
		{"RP_3GX small", OTMultiHashed, Name2ID("RP_3GX"), small, RP3, 10, 0},
		{"EC_2P1GX small", OTArray, Name2ID("EC_2P1GX"), small, RS2P1, 10, 0},
		{"RP_2G4", OTDkeyUint64, Name2ID("RP_2G4"), small, RP2, 4, 0},
		{"EC_16P3G1 big", OTArrayByte, Name2ID("EC_16P3G1"), big, RS16P3, 1, 0},
		// X on a big RF2 pool keeps a reserve: 512/3 = 170 less
		// ceil(2*8/3) = 6.
		{"RP_3GX big", OTMultiHashed, Name2ID("RP_3GX"), big, RP3, 164, 0},
		{"SX unknown size", OTMultiHashed, Name2ID("SX"), PoolShape{}, 0, 0, daos.ErrInval},
		{"S8 unknown size", OTMultiHashed, Name2ID("S8"), PoolShape{}, RP1, 8, 0},
		{"legacy RP_XSF", OTMultiHashed, OCRPXSF, small, 0, 80, 0},
		{"legacy echo", OTMultiHashed, OCEcho3, small, 0, 16, 0},
		{"S32 too big", OTMultiHashed, Name2ID("S32"), PoolShape{Targets: 8, Domains: 2}, 0, 0, daos.ErrInval},
		{"RP_6 > domains", OTMultiHashed, Name2ID("RP_6G1"), small, 0, 0, daos.ErrInval},
		{"EC_4P2 > domains", OTArray, Name2ID("EC_4P2G1"), small, 0, 0, daos.ErrInval},
		{"RP_3G16 > targets", OTMultiHashed, Name2ID("RP_3G16"), small, 0, 0, daos.ErrInval},
		{"bad type", OTMax + 1, Name2ID("S1"), small, 0, 0, daos.ErrInval},
		{"type 255", 255, Name2ID("S1"), small, 0, 0, daos.ErrInval},
		{"unknown class", OTMultiHashed, 0x01000003, small, 0, 0, daos.ErrInval},
		{"unnamed legacy", OTMultiHashed, OCTiny, small, 0, 0, daos.ErrInval},
		{"reserved", OTMultiHashed, OCReserved, small, 0, 0, daos.ErrInval},
		{"bad rf", OTMultiHashed, Name2ID("S1"), PoolShape{Targets: 4, Domains: 4, RdFac: 5}, 0, 0, daos.ErrInval},
		// Default classes (cid 0).
		{"default rf0 plain", OTMultiHashed, 0, small, RP1, 1, 0},
		{"default rf0 array", OTArray, 0, small, RP1, 32, 0},
		{"default rf0 kv", OTKVHashed, 0, small, RP1, 32, 0},
		// 32/3 = 10 groups less ceil(8/3) = 3 kept for rebuild.
		{"default rf1 plain", OTMultiHashed, 0, PoolShape{32, 4, 1}, RP2, 1, 0},
		{"default rf1 array", OTArray, 0, PoolShape{32, 4, 1}, RS2P1, 7, 0},
		{"default rf1 array wide", OTArray, 0, PoolShape{512, 64, 1}, RS16P1, 29, 0},
		{"default rf2 plain", OTMultiHashed, 0, PoolShape{32, 4, 2}, RP3, 1, 0},
		{"default rf2 array", OTArray, 0, PoolShape{32, 4, 2}, RS2P2, 4, 0},
		{"default rf3 array", OTArray, 0, PoolShape{32, 8, 3}, RS4P3, 2, 0},
		{"default rf4", OTMultiHashed, 0, PoolShape{32, 8, 4}, RP5, 1, 0},
		{"default rf3 too few domains", OTMultiHashed, 0, PoolShape{32, 3, 3}, 0, 0, daos.ErrInval},
		{"default unknown pool", OTMultiHashed, 0, PoolShape{}, 0, 0, daos.ErrInval},
	} {
		out, err := GenerateOID(in, tc.typ, tc.cid, 0, tc.ps)
		if tc.err != 0 {
			require.ErrorIs(t, err, tc.err, tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		require.Equal(t, in.Lo, out.Lo, tc.name)
		require.Equal(t, in.Hi&0xFFFFFFFF, out.Hi&0xFFFFFFFF, tc.name)
		require.Equal(t, tc.typ, OIDType(out), tc.name)
		require.Equal(t, tc.redun, OIDRedun(out), tc.name)
		require.Equal(t, tc.groups, OIDGroups(out), tc.name)
		require.Equal(t, ClassID(tc.redun)<<24|ClassID(tc.groups), OIDClass(out), tc.name)
		// Deterministic and idempotent: regenerating gives the same id.
		again, err := GenerateOID(out, tc.typ, tc.cid, 0, tc.ps)
		require.NoError(t, err)
		require.Equal(t, out, again, tc.name)
	}
}

func TestOIDFields(t *testing.T) {
	oid := daos.ObjectID{Hi: 0x0B01000800000007, Lo: 9}
	require.Equal(t, OTArray, OIDType(oid))
	require.Equal(t, RP1, OIDRedun(oid))
	require.Equal(t, uint32(8), OIDGroups(oid))
	require.Equal(t, Name2ID("S8"), OIDClass(oid)) // SX resolved on 8 targets
	require.True(t, IsNil(daos.ObjectID{}))
	require.False(t, IsNil(oid))
	require.True(t, OTArray.DkeyIsUint64())
	require.False(t, OTKVHashed.DkeyIsUint64())
	require.True(t, OTKVLexical.IsKV())
}

func TestDefaultClassHints(t *testing.T) {
	ps := PoolShape{Targets: 1024, Domains: 16, RdFac: 1}
	for _, tc := range []struct {
		typ   OType
		hints Hints
		want  ClassID
		err   bool
	}{
		{OTMultiHashed, HintRddEC, ClassDef(RS8P1, 1), false},
		{OTArray, HintRddRP, ClassDef(RP2, 480), false},
		{OTArray, HintShdTny, ClassDef(RS8P1, 1), false},
		{OTMultiHashed, HintShdMax, ClassDef(RP2, 480), false},
		{OTMultiHashed, HintShdReg, ClassDef(RP2, 128), false},
		{OTMultiHashed, HintShdHi, ClassDef(RP2, 256), false},
		{OTMultiHashed, HintShdExt, ClassDef(RP2, 480), false},
		{OTMultiHashed, HintRddNo, 0, true}, // rd_fac 1 wants protection
		{OTMultiHashed, HintRddRP | HintRddEC, 0, true},
		{OTMultiHashed, 1 << 12, 0, true},
	} {
		got, err := DefaultClass(tc.typ, tc.hints, ps)
		if tc.err {
			require.ErrorIs(t, err, daos.ErrInval, "%v", tc)
			continue
		}
		require.NoError(t, err, "%v", tc)
		require.Equal(t, tc.want, got, "%v: got %x", tc, uint32(got))
	}
}
