package system

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
)

const (
	uuidA = "11111111-2222-3333-4444-555555555555"
	uuidB = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
)

func poolCmd(op string, p PoolInfo) *Command { return &Command{Op: op, Time: t0, Pool: &p} }

func applyErr(t *testing.T, db *Database, c *Command) error {
	t.Helper()
	res := db.Apply(roundTrip(t, c))
	if err, ok := res.(error); ok {
		return err
	}
	return nil
}

func TestPoolDirectory(t *testing.T) {
	db := NewDatabase()
	v0 := db.DataVersion()
	require.NoError(t, applyErr(t, db, poolCmd(OpPoolAdd, PoolInfo{UUID: uuidA, Label: "tank", Ranks: []uint32{0, 1}, TierBytes: []uint64{1, 2}})))
	require.Equal(t, v0+1, db.DataVersion())

	p, err := db.FindPool("tank")
	require.NoError(t, err)
	require.Equal(t, PoolCreating, p.State, "a new entry starts in Creating")
	require.Equal(t, []uint32{0, 1}, p.Ranks)
	p2, err := db.FindPool("11111111-2222-3333-4444-555555555555")
	require.NoError(t, err)
	require.Equal(t, p, p2)
	_, err = db.FindPool(uuidA[:8])
	require.True(t, errors.Is(err, daos.ErrNonexist))
	require.Contains(t, err.Error(), `"11111111"`)

	// Copies are not the database's.
	p.Ranks[0] = 9
	p3, _ := db.FindPool("tank")
	require.Equal(t, uint32(0), p3.Ranks[0])

	// Duplicate UUID or label: DER_EXIST, nothing changes.
	err = applyErr(t, db, poolCmd(OpPoolAdd, PoolInfo{UUID: uuidA, Label: "other"}))
	require.True(t, errors.Is(err, daos.ErrExist), "%v", err)
	err = applyErr(t, db, poolCmd(OpPoolAdd, PoolInfo{UUID: uuidB, Label: "tank"}))
	require.True(t, errors.Is(err, daos.ErrExist), "%v", err)
	require.Contains(t, err.Error(), "tank")
	require.Equal(t, v0+1, db.DataVersion())

	// Bad input.
	require.True(t, errors.Is(applyErr(t, db, poolCmd(OpPoolAdd, PoolInfo{UUID: "nope", Label: "x"})), daos.ErrInval))
	require.True(t, errors.Is(applyErr(t, db, poolCmd(OpPoolAdd, PoolInfo{UUID: uuidB, Label: "bad label"})), daos.ErrInval))
	require.True(t, errors.Is(applyErr(t, db, &Command{Op: OpPoolAdd}), daos.ErrInval))

	// Update replaces the entry; a missing one is DER_NONEXIST.
	require.NoError(t, applyErr(t, db, poolCmd(OpPoolAdd, PoolInfo{UUID: uuidB, Label: "b"})))
	require.NoError(t, applyErr(t, db, poolCmd(OpPoolUpdate, PoolInfo{UUID: uuidA, Label: "tank", State: PoolReady, SvcReps: []uint32{1}})))
	p, _ = db.FindPool("tank")
	require.Equal(t, PoolReady, p.State)
	require.Equal(t, []uint32{1}, p.SvcReps)
	err = applyErr(t, db, poolCmd(OpPoolUpdate, PoolInfo{UUID: uuidA, Label: "b"}))
	require.True(t, errors.Is(err, daos.ErrExist), "relabel onto another pool's label: %v", err)
	require.Len(t, db.Pools(), 2)

	// Snapshot and restore keep the directory.
	snap, err := db.Snapshot()
	require.NoError(t, err)
	db2 := NewDatabase()
	require.NoError(t, db2.Restore(snap))
	require.Equal(t, db.Pools(), db2.Pools())

	require.NoError(t, applyErr(t, db, poolCmd(OpPoolRemove, PoolInfo{UUID: uuidA})))
	require.True(t, errors.Is(applyErr(t, db, poolCmd(OpPoolRemove, PoolInfo{UUID: uuidA})), daos.ErrNonexist))
	require.Len(t, db.Pools(), 1)
}

func TestPoolLabelRules(t *testing.T) {
	for _, ok := range []string{"a", "tank_1", "x.y:z-1", string(make127())} {
		require.NoError(t, CheckPoolLabel(ok), ok)
	}
	for _, bad := range []string{"", "with space", "slash/", "é", uuidA, string(make127()) + "x"} {
		require.Error(t, CheckPoolLabel(bad), bad)
	}
}

func make127() []byte {
	b := make([]byte, 127)
	for i := range b {
		b[i] = 'a'
	}
	return b
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]uint64{
		"0": 0, "512": 512, "1k": 1000, "1KB": 1000, "1KiB": 1024, "10G": 10e9, "10 GB": 10e9,
		"1GiB": 1 << 30, "1.5GiB": 3 << 29, "2TB": 2e12, "16MiB": 16 << 20, "1b": 1,
	} {
		got, err := ParseSize(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "G", "1X", "-1", "1.2.3G", "99999999999999999999", "20EiB"} {
		_, err := ParseSize(bad)
		require.Error(t, err, bad)
	}
}

func TestPoolProps(t *testing.T) {
	enc := func(name, val string) (*mgmtpb.PoolProperty, error) {
		d, err := LookupPoolProp(name)
		if err != nil {
			return nil, err
		}
		return d.Encode(val)
	}
	_, err := enc("bogus", "1")
	require.True(t, errors.Is(err, daos.ErrInval))
	require.Contains(t, err.Error(), `"bogus"`)

	p, err := enc("rf", "2")
	require.NoError(t, err)
	require.Equal(t, PoolPropRedunFac, p.Number)
	require.Equal(t, uint64(2), p.GetNumval())
	_, err = enc("rd_fac", "5")
	require.Error(t, err)

	p, err = enc("self_heal", "exclude;delay_rebuild")
	require.NoError(t, err)
	require.Equal(t, uint64(5), p.GetNumval())
	_, err = enc("self_heal", "sometimes")
	require.ErrorContains(t, err, "exclude;rebuild")

	p, err = enc("space_rb", "10%")
	require.NoError(t, err)
	require.Equal(t, uint64(10), p.GetNumval())
	d, _ := LookupPoolProp("space_rb")
	require.Equal(t, "10%", d.Format(p))

	p, err = enc("ec_cell_sz", "64KiB")
	require.NoError(t, err)
	require.Equal(t, uint64(64<<10), p.GetNumval())
	_, err = enc("ec_cell_sz", "2MiB")
	require.Error(t, err)

	p, err = enc("label", "tank")
	require.NoError(t, err)
	require.Equal(t, "tank", p.GetStrval())
	_, err = enc("label", uuidA)
	require.Error(t, err)

	_, err = enc("svc_list", "0")
	require.ErrorContains(t, err, "read-only")

	// The management service's check: create-only properties only at
	// create, string/number types must match.
	p, _ = enc("perf_domain", "group")
	require.Equal(t, uint64(200), p.GetNumval(), "PO_COMP_TP_PERF")
	_, err = CheckPoolProp(p, true)
	require.NoError(t, err)
	_, err = CheckPoolProp(p, false)
	require.ErrorContains(t, err, "only be set when the pool is created")
	_, err = CheckPoolProp(&mgmtpb.PoolProperty{Number: 99}, true)
	require.Error(t, err)
	_, err = CheckPoolProp(&mgmtpb.PoolProperty{Number: PoolPropLabel, Value: &mgmtpb.PoolProperty_Numval{Numval: 1}}, true)
	require.Error(t, err)
	_, err = CheckPoolProp(&mgmtpb.PoolProperty{Number: PoolPropReclaim, Value: &mgmtpb.PoolProperty_Numval{Numval: 3}}, false)
	require.Error(t, err, "batch is not a value dmg accepts")
}
