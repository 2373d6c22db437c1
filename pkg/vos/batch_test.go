package vos

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
)

func upd(dk, ak, val string, flags daos.CondFlags) BatchOp {
	return BatchOp{Kind: BatchUpdate, Dkey: []byte(dk), IODs: []daos.IOD{sv(ak, val)}, Data: [][]byte{[]byte(val)}, Flags: flags}
}

func punchDkey(dk string, flags daos.CondFlags) BatchOp {
	return BatchOp{Kind: BatchPunchDkey, Dkey: []byte(dk), Flags: flags}
}

func dkeys(t *testing.T, p *Pool, epoch daos.Epoch) []string {
	t.Helper()
	var out []string
	ks, err := p.ListDkeys(cid, oid1, epoch, &Anchor{}, 100, ReadOptions{})
	require.NoError(t, err)
	for _, k := range ks {
		out = append(out, string(k))
	}
	return out
}

// A rename is an insert of the new name and a punch of the old one:
// both or neither, whatever condition fails.
func TestBatchIsAllOrNothing(t *testing.T) {
	p := newTestPool(t)
	putSV(t, p, 1, "old", "e", "entry")
	putSV(t, p, 1, "taken", "e", "other")

	require.NoError(t, p.Batch(ctx, cid, oid1, 2, []BatchOp{
		upd("new", "e", "entry", daos.CondDkeyInsert),
		punchDkey("old", daos.CondPunch),
	}))
	require.ElementsMatch(t, []string{"new", "taken"}, dkeys(t, p, 2))
	require.ElementsMatch(t, []string{"old", "taken"}, dkeys(t, p, 1), "epoch 1 still sees the old name")

	// The insert's condition fails: the punch does not happen either.
	err := p.Batch(ctx, cid, oid1, 3, []BatchOp{upd("taken", "e", "entry", daos.CondDkeyInsert), punchDkey("new", daos.CondPunch)})
	require.True(t, errors.Is(err, daos.ErrExist), "%v", err)
	// The punch's condition fails: the insert does not happen either.
	err = p.Batch(ctx, cid, oid1, 3, []BatchOp{upd("fresh", "e", "entry", daos.CondDkeyInsert), punchDkey("gone", daos.CondPunch)})
	require.True(t, errors.Is(err, daos.ErrNonexist), "%v", err)
	require.ElementsMatch(t, []string{"new", "taken"}, dkeys(t, p, 3))

	// An exchange: two updates and akey punches on the same dkeys.
	putSV(t, p, 4, "new", "x:a", "1")
	require.NoError(t, p.Batch(ctx, cid, oid1, 5, []BatchOp{
		upd("new", "e", "other", daos.CondDkeyUpdate),
		upd("taken", "e", "entry", daos.CondDkeyUpdate),
		{Kind: BatchPunchAkeys, Dkey: []byte("new"), Akeys: [][]byte{[]byte("x:a")}},
		upd("taken", "x:a", "1", 0),
	}))
	require.Equal(t, "other", getSV(t, p, 5, "new", "e"))
	require.Equal(t, "entry", getSV(t, p, 5, "taken", "e"))
	require.Equal(t, "", getSV(t, p, 5, "new", "x:a"))
	require.Equal(t, "1", getSV(t, p, 5, "taken", "x:a"))
}

func TestBatchValidation(t *testing.T) {
	p := newTestPool(t)
	many := make([]BatchOp, MaxBatchOps+1)
	for i := range many {
		many[i] = upd(string(rune('a'+i)), "e", "v", 0)
	}
	for name, ops := range map[string][]BatchOp{
		"none":                {},
		"too many":            many,
		"unknown kind":        {{Kind: 9, Dkey: []byte("a")}},
		"empty dkey":          {upd("", "e", "v", 0)},
		"punch and update":    {upd("a", "e", "v", 0), punchDkey("a", 0)},
		"akey twice":          {upd("a", "e", "v", 0), upd("a", "e", "w", 0)},
		"punch condition":     {{Kind: BatchUpdate, Dkey: []byte("a"), IODs: []daos.IOD{sv("e", "v")}, Data: [][]byte{[]byte("v")}, Flags: daos.CondPunch}},
		"insert on a punch":   {{Kind: BatchPunchDkey, Dkey: []byte("a"), Flags: daos.CondDkeyInsert}},
		"punch of no akeys":   {{Kind: BatchPunchAkeys, Dkey: []byte("a")}},
		"data count mismatch": {{Kind: BatchUpdate, Dkey: []byte("a"), IODs: []daos.IOD{sv("e", "v")}}},
	} {
		err := p.Batch(ctx, cid, oid1, 1, ops)
		require.Error(t, err, name)
		require.True(t, errors.Is(err, daos.ErrInval) || errors.Is(err, daos.ErrIoInval), "%s: %v", name, err)
	}
	require.Error(t, p.Batch(ctx, cid, oid1, 0, []BatchOp{upd("a", "e", "v", 0)}), "epoch 0")
	require.Error(t, p.Batch(ctx, ContainerID{9}, oid1, 1, []BatchOp{upd("a", "e", "v", 0)}), "unknown container")
	require.Empty(t, dkeys(t, p, 10))
}

func TestBatchSurvivesReopen(t *testing.T) {
	for name, cfg := range storeConfigs(t) {
		t.Run(name, func(t *testing.T) {
			p, err := Create(ctx, cfg)
			require.NoError(t, err)
			require.NoError(t, p.CreateContainer(ctx, cid))
			putSV(t, p, 1, "old", "e", "entry")
			big := bytes.Repeat([]byte("B"), 16<<10) // NVMe when the pool has it
			require.NoError(t, p.Batch(ctx, cid, oid1, 2, []BatchOp{
				upd("new", "e", "entry", daos.CondDkeyInsert),
				{Kind: BatchUpdate, Dkey: []byte("new"), IODs: []daos.IOD{sv("big", string(big))}, Data: [][]byte{big}},
				punchDkey("old", daos.CondPunch),
			}))
			space := p.Space()
			require.NoError(t, p.Close())
			q, err := Open(ctx, cfg.Dir)
			require.NoError(t, err)
			defer q.Close()
			require.Equal(t, space, q.Space())
			require.Equal(t, []string{"new"}, dkeys(t, q, 3))
			require.Equal(t, "entry", getSV(t, q, 3, "new", "e"))
			require.Equal(t, string(big), getSV(t, q, 3, "new", "big"))
		})
	}
}

// Conditions are decided on the latest state: a conditional operation at
// an epoch older than a change to its key is told to restart.
func TestConditionsRestartBehindNewerChanges(t *testing.T) {
	p := newTestPool(t)
	putSV(t, p, 5, "k", "e", "v")
	err := p.Update(ctx, cid, oid1, 3, []byte("k"), []daos.IOD{sv("e", "w")}, [][]byte{[]byte("w")}, UpdateOptions{Flags: daos.CondDkeyInsert})
	require.True(t, errors.Is(err, daos.ErrTxRestart), "%v", err)
	err = p.Update(ctx, cid, oid1, 6, []byte("k"), []daos.IOD{sv("e", "w")}, [][]byte{[]byte("w")}, UpdateOptions{Flags: daos.CondDkeyInsert})
	require.True(t, errors.Is(err, daos.ErrExist), "%v", err)

	require.NoError(t, p.PunchDkeys(ctx, cid, oid1, 8, [][]byte{[]byte("k")}, PunchOptions{}))
	err = p.PunchDkeys(ctx, cid, oid1, 7, [][]byte{[]byte("k")}, PunchOptions{Flags: daos.CondPunch})
	require.True(t, errors.Is(err, daos.ErrTxRestart), "%v", err)
	err = p.Batch(ctx, cid, oid1, 7, []BatchOp{upd("n", "e", "v", daos.CondDkeyInsert), punchDkey("k", daos.CondPunch)})
	require.True(t, errors.Is(err, daos.ErrTxRestart), "%v", err)
	err = p.PunchDkeys(ctx, cid, oid1, 9, [][]byte{[]byte("k")}, PunchOptions{Flags: daos.CondPunch})
	require.True(t, errors.Is(err, daos.ErrNonexist), "%v", err)
	// An unconditional write at an old epoch is still just an old version.
	require.NoError(t, p.Update(ctx, cid, oid1, 4, []byte("k"), []daos.IOD{sv("e", "old")}, [][]byte{[]byte("old")}, UpdateOptions{}))
}
