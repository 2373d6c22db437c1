package vos

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/cgo/isal"
	"github.com/daos-go/daos/pkg/daos"
)

var (
	inspectCont2 = ContainerID{2}
	inspectOid2  = daos.ObjectID{Hi: 1, Lo: 2}
	binaryDkey   = []byte{0, 1, 0xff}
	bigValue     = bytes.Repeat([]byte("0123456789abcdef"), 1024) // 16 KiB: NVMe
	bigArray     = bytes.Repeat([]byte("A"), 4096)                // at the threshold: NVMe
)

// inspectPool makes a durable pool with NVMe holding single values, arrays,
// an uncommitted transaction, punches and a removal, and returns it with
// its configuration.
func inspectPool(t *testing.T) (*Pool, StoreConfig) {
	t.Helper()
	cfg := StoreConfig{Dir: t.TempDir(), LogMode: LogFile, LogBytes: 1 << 20, NVMePath: filepath.Join(t.TempDir(), "nvme"),
		Options: Options{SCMBytes: 32 << 20, NVMeBytes: 1 << 20}}
	p, err := Create(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	require.NoError(t, p.CreateContainer(ctx, cid))
	require.NoError(t, p.CreateContainer(ctx, inspectCont2))
	require.NoError(t, p.Update(ctx, cid, oid1, 1, []byte("d"), []daos.IOD{sv("big", string(bigValue)), sv("small", "s")},
		[][]byte{bigValue, []byte("s")}, UpdateOptions{}))
	putArr(t, p, 2, "arr", 0, "array!")
	putArr(t, p, 3, "arr", 2, "XY")
	require.NoError(t, p.Update(ctx, cid, oid1, 3, []byte("d"), []daos.IOD{sv("t", "tx")}, [][]byte{[]byte("tx")}, UpdateOptions{Tx: 4}))
	require.NoError(t, p.PunchAkeys(ctx, cid, oid1, 5, []byte("d"), [][]byte{[]byte("small")}, PunchOptions{}))
	putSV(t, p, 6, "d", "small", "") // a removal
	putArr(t, p, 7, "bigarr", 0, string(bigArray))
	require.NoError(t, p.Update(ctx, cid, inspectOid2, 8, binaryDkey, []daos.IOD{sv("a", "bin")}, [][]byte{[]byte("bin")}, UpdateOptions{}))
	require.NoError(t, p.PunchObject(ctx, cid, inspectOid2, 9, PunchOptions{}))
	return p, cfg
}

func TestInspectKeysAndPaths(t *testing.T) {
	for key, text := range map[string]string{
		"d":                "d",
		"héllo wörld":      "héllo wörld",
		string(binaryDkey): "0x0001ff",
		"a/b":              "0x612f62", // a "/" would split the path
		"0xab":             "0x30786162",
		"tab\there":        "0x7461620968657265",
	} {
		require.Equal(t, text, FormatKey([]byte(key)))
		back, err := ParseKey(text)
		require.NoError(t, err)
		require.Equal(t, key, string(back))
	}

	c := "01000000-0000-0000-0000-000000000000"
	p, err := ParsePath("/" + c + "/1.1/0x0001ff/a/")
	require.NoError(t, err)
	require.Equal(t, Path{Level: LevelAkey, Cont: cid, OID: oid1, Dkey: binaryDkey, Akey: []byte("a")}, p)
	require.Equal(t, "/"+c+"/1.1/0x0001ff/a", p.String())
	require.Equal(t, "/<cont>/<oid>/<dkey>/<akey>", p.Shape())
	require.Equal(t, "/<cont>", Path{Level: LevelContainer}.Shape())
	require.Equal(t, "/", Path{}.Shape())
	for _, s := range []string{"", "/"} {
		p, err = ParsePath(s)
		require.NoError(t, err)
		require.Equal(t, LevelPool, p.Level)
		require.Equal(t, "/", p.String())
	}
	for s, msg := range map[string]string{
		"/nope":                                 `path "/nope": component 1 (container): container id "nope": want a UUID, 8-4-4-4-12 hex digits`,
		"/0100000g-0000-0000-0000-000000000000": `component 1 (container): container id "0100000g-0000-0000-0000-000000000000": group 1 "0100000g" is not 8 hex digits`,
		"/" + c + "/1":                          `component 2 (object): object id "1": want HI.LO`,
		"/" + c + "//d":                         `component 2 (object): empty`,
		"/" + c + "/1.1/0xzz":                   `component 3 (dkey): key "0xzz": not hex after 0x`,
		"/" + c + "/1.1/d/0x":                   `component 4 (akey): key "0x": key of 0 bytes`,
		"/" + c + "/1.1/d/a/b":                  `5 components, at most 4`,
	} {
		_, err := ParsePath(s)
		require.ErrorIs(t, err, daos.ErrInval, s)
		require.ErrorContains(t, err, msg)
	}
}

func TestInspectListsEverythingStored(t *testing.T) {
	p, _ := inspectPool(t)
	require.Equal(t, []ContainerInfo{
		{ID: cid, Objects: 2, OpenTxs: []TxID{4}},
		{ID: inspectCont2},
	}, p.ListContainersInfo())

	objs, err := p.ListObjectInfo(cid)
	require.NoError(t, err)
	require.Equal(t, []ObjectInfo{
		{OID: oid1, Dkeys: 1},
		{OID: inspectOid2, Dkeys: 1, Punches: []PunchInfo{{Epoch: 9}}},
	}, objs, "a punched object is still listed")

	dkeys, err := p.ListDkeyInfo(cid, inspectOid2)
	require.NoError(t, err)
	require.Equal(t, []DkeyInfo{{Name: binaryDkey, Akeys: 1}}, dkeys)

	akeys, err := p.ListAkeyInfo(cid, oid1, []byte("d"))
	require.NoError(t, err)
	require.Equal(t, []AkeyInfo{
		{Name: []byte("arr"), Extents: 2},
		{Name: []byte("big"), Singles: 1},
		{Name: []byte("bigarr"), Extents: 1},
		{Name: []byte("small"), Singles: 2, Punches: []PunchInfo{{Epoch: 5}}},
		{Name: []byte("t"), Singles: 1},
	}, akeys)
	require.Equal(t, daos.IODArray, akeys[0].Type())
	require.Equal(t, daos.IODSingle, akeys[1].Type())
	require.Equal(t, daos.IODNone, AkeyInfo{}.Type())

	epoch, err := p.MaxEpoch(cid)
	require.NoError(t, err)
	require.Equal(t, daos.Epoch(9), epoch, "the object punch is the newest stamp")
	epoch, err = p.MaxEpoch(inspectCont2)
	require.NoError(t, err)
	require.Zero(t, epoch)
}

func TestInspectVersions(t *testing.T) {
	p, _ := inspectPool(t)
	versions := func(ak string) []VersionInfo {
		t.Helper()
		vs, err := p.Versions(cid, oid1, []byte("d"), []byte(ak))
		require.NoError(t, err)
		return vs
	}
	require.Equal(t, []VersionInfo{
		{Index: 0, Type: daos.IODSingle, Epoch: 1, Size: 1, Bytes: 1},
		{Index: 1, Type: daos.IODSingle, Epoch: 6, Size: 0, Bytes: 0},
	}, versions("small"), "versions hidden by the punch are listed, and so is the removal")
	require.Equal(t, []VersionInfo{
		{Index: 0, Type: daos.IODArray, Epoch: 2, Size: 1, Recx: daos.Recx{Idx: 0, Nr: 6}, Bytes: 6},
		{Index: 1, Type: daos.IODArray, Epoch: 3, Size: 1, Recx: daos.Recx{Idx: 2, Nr: 2}, Bytes: 2},
	}, versions("arr"))
	require.Equal(t, []VersionInfo{{Index: 0, Type: daos.IODSingle, Epoch: 3, Tx: 4, Size: 2, Bytes: 2}}, versions("t"))
	require.Equal(t, []VersionInfo{{Index: 0, Type: daos.IODSingle, Epoch: 1, Size: 16 << 10, Bytes: 16 << 10,
		OnNVMe: true, NVMeOffset: 0, NVMeCRC: isal.CRC32C(0, bigValue)}}, versions("big"))
	require.Equal(t, []VersionInfo{{Index: 0, Type: daos.IODArray, Epoch: 7, Size: 1, Recx: daos.Recx{Idx: 0, Nr: 4096}, Bytes: 4096,
		OnNVMe: true, NVMeOffset: 16 << 10, NVMeCRC: isal.CRC32C(0, bigArray)}}, versions("bigarr"))

	require.Equal(t, "@1", versions("small")[0].Label())
	require.Equal(t, "@3 tx 4", versions("t")[0].Label())
	require.Equal(t, "[2, 4)@3", versions("arr")[1].Label())
	require.Equal(t, "nvme@16384", versions("bigarr")[0].Where())
	require.Equal(t, "scm", versions("arr")[0].Where())
	require.True(t, versions("small")[1].Removal())
}

func TestInspectReadVersion(t *testing.T) {
	p, _ := inspectPool(t)
	read := func(ak string, epoch daos.Epoch, index int) ([]byte, error) {
		return p.ReadVersion(ctx, cid, oid1, []byte("d"), []byte(ak), epoch, index)
	}
	for _, c := range []struct {
		akey  string
		epoch daos.Epoch
		index int
		want  []byte
	}{
		{"small", 1, 0, []byte("s")}, // hidden from reads by the punch at 5
		{"small", 6, 1, nil},
		{"arr", 3, 1, []byte("XY")},
		{"t", 3, 0, []byte("tx")}, // uncommitted
		{"big", 1, 0, bigValue},
		{"bigarr", 7, 0, bigArray},
	} {
		got, err := read(c.akey, c.epoch, c.index)
		require.NoError(t, err, c.akey)
		require.Equal(t, c.want, got, c.akey)
	}
	_, err := read("arr", 2, 1)
	require.ErrorIs(t, err, daos.ErrNonexist, "an index whose epoch does not match is refused")
	require.ErrorContains(t, err, "has no version 1 at epoch 2")
	_, err = read("arr", 2, 2)
	require.ErrorIs(t, err, daos.ErrNonexist)
}

func TestInspectMissingNodes(t *testing.T) {
	p, _ := inspectPool(t)
	_, err := p.ListObjectInfo(ContainerID{9})
	require.ErrorIs(t, err, daos.ErrNonexist)
	_, err = p.ListDkeyInfo(cid, daos.ObjectID{Hi: 7, Lo: 7})
	require.ErrorIs(t, err, daos.ErrNonexist)
	require.ErrorContains(t, err, "object 7.7 is not in container 01000000-0000-0000-0000-000000000000")
	_, err = p.ListAkeyInfo(cid, oid1, []byte{0xfe})
	require.ErrorContains(t, err, "dkey 0xfe is not in object 01000000-0000-0000-0000-000000000000/1.1")
	_, err = p.Versions(cid, oid1, []byte("d"), []byte("nope"))
	require.ErrorIs(t, err, daos.ErrNonexist)
	require.ErrorContains(t, err, "akey nope is not in /01000000-0000-0000-0000-000000000000/1.1/d")
	_, err = p.MaxEpoch(ContainerID{9})
	require.ErrorIs(t, err, daos.ErrNonexist)
}

func TestInspectStoreInfo(t *testing.T) {
	p, cfg := inspectPool(t)
	info, err := p.StoreInfo()
	require.NoError(t, err)
	require.Equal(t, cfg.Dir, info.Dir)
	require.Equal(t, int64(1<<20), info.JournalBytes)
	require.Greater(t, info.JournalUsed, int64(8192), "records follow the two header slots")
	require.False(t, info.Checkpoint)
	require.NoError(t, p.Checkpoint(ctx))
	info, err = p.StoreInfo()
	require.NoError(t, err)
	require.True(t, info.Checkpoint)
	require.Positive(t, info.CheckpointBytes)
	require.Equal(t, int64(8192), info.JournalUsed, "the checkpoint empties the journal")

	dram := newTestPool(t)
	info, err = dram.StoreInfo()
	require.NoError(t, err)
	require.Equal(t, StoreInfo{}, info)
}

func TestInspectVerifyAll(t *testing.T) {
	p, cfg := inspectPool(t)
	var reported []string
	report := func(path string, err error) { reported = append(reported, path+": "+err.Error()) }
	checked, bad, err := p.VerifyAll(ctx, report)
	require.NoError(t, err)
	require.Equal(t, 8, checked)
	require.Zero(t, bad)
	require.Empty(t, reported)
	require.NoError(t, p.Close())

	// Damage the 16 KiB value at NVMe offset 0, as a failing device would.
	damageByte(t, cfg.NVMePath, 100)
	q, err := Open(ctx, cfg.Dir)
	require.NoError(t, err, "NVMe data is not read at open")
	defer q.Close()
	checked, bad, err = q.VerifyAll(ctx, report)
	require.NoError(t, err)
	require.Equal(t, 8, checked)
	require.Equal(t, 1, bad)
	require.Len(t, reported, 1)
	require.Contains(t, reported[0], "/01000000-0000-0000-0000-000000000000/1.1/d/big@1: NVMe extent at offset 0 (16384 bytes): CRC-32C")
	require.Contains(t, reported[0], "DER_CSUM")
	_, err = q.ReadVersion(ctx, cid, oid1, []byte("d"), []byte("big"), 1, 0)
	require.ErrorIs(t, err, daos.ErrCsum)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err = q.VerifyAll(canceled, report)
	require.ErrorIs(t, err, context.Canceled)
}

// damageByte flips the bits of one byte of a file.
func damageByte(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	defer f.Close()
	b := []byte{0}
	_, err = f.ReadAt(b, off)
	require.NoError(t, err)
	b[0] ^= 0xff
	_, err = f.WriteAt(b, off)
	require.NoError(t, err)
}
