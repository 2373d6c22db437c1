package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/daos"
)

// memObject keeps values by dkey, akey and record index.
type memObject struct {
	mu      sync.Mutex
	vals    map[string][]byte
	corrupt bool // fetches return damaged data
	fail    error
}

func key(dkey []byte, iod daos.IOD) string {
	k := string(dkey) + "/" + string(iod.Name)
	if iod.Type == daos.IODArray {
		k += "/" + string(rune('0'+iod.Recxs[0].Idx))
	}
	return k
}

func (m *memObject) Update(_ context.Context, dkey []byte, iods []daos.IOD, data [][]byte, _ daos.CondFlags) (daos.Epoch, error) {
	if m.fail != nil {
		return 0, m.fail
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if uint64(len(data[0])) != iods[0].Size {
		return 0, daos.Errorf(daos.ErrInval, "size")
	}
	m.vals[key(dkey, iods[0])] = bytes.Clone(data[0])
	return 1, nil
}

func (m *memObject) Fetch(_ context.Context, _ daos.Epoch, dkey []byte, iods []daos.IOD, bufs [][]byte, _ daos.CondFlags) ([]uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := m.vals[key(dkey, iods[0])]
	copy(bufs[0], v)
	if m.corrupt && len(v) > 0 {
		bufs[0][0] ^= 1
	}
	return []uint64{uint64(len(v))}, nil
}

func TestRunUpdatesFetchesVerifies(t *testing.T) {
	for _, array := range []bool{false, true} {
		w := workload{dkeys: 3, akeys: 2, records: 5, size: 100, array: array, credits: 4}
		objs := []object{&memObject{vals: map[string][]byte{}}, &memObject{vals: map[string][]byte{}}}
		steps, err := parseSteps("U;p F V;p")
		require.NoError(t, err)
		var out strings.Builder
		res, err := run(context.Background(), w, objs, steps, &out)
		require.NoError(t, err)
		require.Len(t, res, 3)
		for _, r := range res {
			assert.Equal(t, 60, r.Ops, "2 objects x 3 dkeys x 2 akeys x 5 records")
			assert.Equal(t, int64(6000), r.Bytes)
			assert.Positive(t, r.MBps)
			assert.LessOrEqual(t, r.LatP50US, r.LatP99US)
			assert.LessOrEqual(t, r.LatP99US, r.LatMaxUS)
		}
		for _, o := range objs {
			assert.Len(t, o.(*memObject).vals, 30, "every record written once")
		}
		assert.Contains(t, out.String(), "update")
		assert.Contains(t, out.String(), "verify")
		assert.NotContains(t, out.String(), "fetch", "F was not asked to print")
	}
}

func TestVerifyFindsDamage(t *testing.T) {
	w := workload{dkeys: 2, akeys: 1, records: 4, size: 64, credits: 2}
	m := &memObject{vals: map[string][]byte{}}
	steps, _ := parseSteps("U V;p")
	_, err := run(context.Background(), w, []object{m}, steps, &strings.Builder{})
	require.NoError(t, err)
	m.corrupt = true
	res, err := run(context.Background(), w, []object{m}, steps[1:], &strings.Builder{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "8 of 8 values")
	assert.Equal(t, 8, res[0].Mismatches)
}

func TestRunStopsAtAnError(t *testing.T) {
	w := workload{dkeys: 100, akeys: 1, records: 100, size: 8, credits: 8}
	m := &memObject{vals: map[string][]byte{}, fail: daos.Errorf(daos.ErrNospace, "full")}
	steps, _ := parseSteps("U;p")
	_, err := run(context.Background(), w, []object{m}, steps, &strings.Builder{})
	require.Error(t, err)
	assert.True(t, errors.Is(err, daos.ErrNospace), "%v", err)
	assert.Contains(t, err.Error(), "update: operation")
}

func TestFlagsRefusedBeforeConnecting(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "-P/--pool"},
		{[]string{"-P", "tank", "-T", "vos"}, "only daos"},
		{[]string{"-P", "tank", "-O", "S7"}, "unknown object class"},
		{[]string{"-P", "tank", "-s", "0"}, "-s/--size"},
		{[]string{"-P", "tank", "-s", "65M"}, "-s/--size"},
		{[]string{"-P", "tank", "-s", "12Q"}, "-s/--size"},
		{[]string{"-P", "tank", "-C", "0"}, "-C/--credits 0"},
		{[]string{"-P", "tank", "-d", "-3"}, "-d/--dkeys"},
		{[]string{"-P", "tank", "-d", "100000", "-r", "100000"}, "operations per step"},
		{[]string{"-P", "tank", "-R", "U;q"}, "p (print)"},
		{[]string{"-P", "tank", "-R", "X"}, "operations are U"},
		{[]string{"-P", "tank", "-R", " "}, "no operation"},
		{[]string{"-P", "tank", "extra"}, "unknown command"},
	} {
		var stdout, stderr strings.Builder
		rc := cmdutil.Execute(newRoot(), c.args, &stdout, &stderr)
		assert.NotZero(t, rc, "%v", c.args)
		assert.Contains(t, stderr.String(), c.want, "%v", c.args)
	}
}

func TestParseSize(t *testing.T) {
	for s, want := range map[string]int{"1": 1, "4K": 4096, "4k": 4096, "1M": 1 << 20, "64M": 64 << 20, "100": 100} {
		got, err := parseSize(s)
		require.NoError(t, err, s)
		assert.Equal(t, want, got, s)
	}
}
