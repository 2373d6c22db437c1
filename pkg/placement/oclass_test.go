package placement

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestName2ID(t *testing.T) {
	for _, tc := range []struct {
		name string
		id   ClassID
	}{
		{"S1", 0x01000001}, {"S2", 0x01000002}, {"S4", 0x01000004}, {"S6", 0x01000006},
		{"S8", 0x01000008}, {"S12", 0x0100000C}, {"S16", 0x01000010}, {"S32", 0x01000020},
		{"SX", 0x0100FFFF},
		{"RP_2G1", 0x08000001}, {"RP_2G32", 0x08000020}, {"RP_2GX", 0x0800FFFF},
		{"RP_3G1", 0x09000001}, {"RP_3GX", 0x0900FFFF}, {"RP_4G6", 0x0A000006},
		{"RP_5G2", 0x0B000002}, {"RP_6GX", 0x0C00FFFF},
		{"RP_12G1", 0x0E000001}, {"RP_128G1", 0x14000001},
		{"RP_XSF", 80},
		{"EC_2P1G1", 0x20000001}, {"EC_2P1GX", 0x2000FFFF}, {"EC_2P2G4", 0x21000004},
		{"EC_4P1G8", 0x22000008}, {"EC_4P2G1", 0x23000001}, {"EC_4P2GX", 0x2300FFFF},
		{"EC_8P1G12", 0x2400000C}, {"EC_8P2GX", 0x2500FFFF}, {"EC_16P1G16", 0x26000010},
		{"EC_16P2G32", 0x27000020}, {"EC_4P3G2", 0x28000002}, {"EC_8P3G1", 0x29000001},
		{"EC_16P3GX", 0x2A00FFFF},
		{"RP_1G1_ECHO", 14}, {"RP_4G1_ECHO", 17}, {"RP_1G1_SR", 18}, {"RP_3G1_SR", 20},
		// Unknown: case, G6 for EC, absent shapes, prefixes, long names.
		{"s1", 0}, {"sx", 0}, {"rp_3gx", 0}, {"EC_2P1G6", 0}, {"S3", 0}, {"S48", 0},
		{"RP_7G1", 0}, {"RP_8G1", 0}, {"RP_12G2", 0}, {"EC_3P1G1", 0}, {"S", 0}, {"", 0},
		{"S1 ", 0}, {"UNKNOWN", 0}, {"OC_S1", 0}, {strings.Repeat("S", 25), 0},
	} {
		require.Equal(t, tc.id, Name2ID(tc.name), tc.name)
		if tc.id != 0 {
			n, ok := ID2Name(tc.id)
			require.True(t, ok)
			require.Equal(t, tc.name, n)
		}
	}
}

func TestID2NameUnknown(t *testing.T) {
	for _, id := range []ClassID{0, 1, 0x01000003, 0x20000006, 0x0F000002, OCTiny, OCRPMax, OCReserved, 0xFFFFFFFF} {
		n, ok := ID2Name(id)
		require.False(t, ok, "%x", uint32(id))
		require.Equal(t, "UNKNOWN", n)
	}
}

func TestClassTable(t *testing.T) {
	names := ClassNames()
	// S: 9; RP_2..6: 5x9; RP_nG1: 7; RP_XSF; EC: 11x8; ECHO 4; SR 3.
	require.Len(t, names, 9+45+7+1+88+4+3)
	seen := map[string]bool{}
	for _, n := range names {
		require.False(t, seen[n], n)
		seen[n] = true
		require.LessOrEqual(t, len(n), MaxClassNameLen)
		id := Name2ID(n)
		require.NotZero(t, id, n)
		a, ok := LookupClass(id)
		require.True(t, ok)
		if !id.IsLegacy() {
			require.Equal(t, uint32(id.Groups()), a.GroupNr, n)
		}
	}
	require.Len(t, ClassIDs(), len(names))
}

func TestClassAttr(t *testing.T) {
	for _, tc := range []struct {
		name              string
		resil             Resil
		size, grp, degree int
		k, p              int
	}{
		{"S1", ResilRepl, 1, 1, 0, 0, 0},
		{"SX", ResilRepl, 1, GroupsX, 0, 0, 0},
		{"RP_2G4", ResilRepl, 2, 4, 1, 0, 0},
		{"RP_3GX", ResilRepl, 3, GroupsX, 2, 0, 0},
		{"RP_6G1", ResilRepl, 6, 1, 5, 0, 0},
		{"RP_64G1", ResilRepl, 64, 1, 63, 0, 0},
		{"EC_2P1G1", ResilEC, 3, 1, 1, 2, 1},
		{"EC_4P2G8", ResilEC, 6, 8, 2, 4, 2},
		{"EC_16P3GX", ResilEC, 19, GroupsX, 3, 16, 3},
		{"RP_3G1_SR", ResilRepl, 3, 1, 2, 0, 0},
	} {
		a, ok := LookupClass(Name2ID(tc.name))
		require.True(t, ok, tc.name)
		require.Equal(t, tc.resil, a.Resil, tc.name)
		require.Equal(t, tc.size, a.GroupSize(), tc.name)
		require.Equal(t, uint32(tc.grp), a.GroupNr, tc.name)
		require.Equal(t, uint32(tc.degree), a.ResilDegree, tc.name)
		require.Equal(t, uint16(tc.k), a.ECData, tc.name)
		require.Equal(t, uint16(tc.p), a.ECParity, tc.name)
		if tc.resil == ResilEC {
			require.Equal(t, uint32(DefaultECCellSize), a.ECCell)
		}
	}
	// Resolved ids (an X class after GenerateOID) keep their shape.
	a, ok := ResolvedClassAttr(ClassDef(RS4P2, 7))
	require.True(t, ok)
	require.Equal(t, 6, a.GroupSize())
	require.Equal(t, uint32(7), a.GroupNr)
	_, ok = ResolvedClassAttr(ClassDef(RP1, 0))
	require.False(t, ok)
	_, ok = ResolvedClassAttr(ClassDef(7, 1))
	require.False(t, ok)
	require.Equal(t, "EC_4P2G7", ClassDef(RS4P2, 7).String())
	require.Equal(t, "S7", ClassDef(RP1, 7).String())
	require.Equal(t, "RP_3G164", ClassDef(RP3, 164).String())
	require.Equal(t, "RP_3GX", ClassDef(RP3, GroupsX).String())
	require.Equal(t, "0x07000001", ClassDef(7, 1).String())
	a, ok = LookupClass(OCRPXSF)
	require.True(t, ok)
	require.Equal(t, 0, a.GroupSize()) // resolved per pool
}
