package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/vos"
)

const contUUID = "8c6e7f3a-1b2c-4d5e-9f00-112233445566"

var (
	ctx      = context.Background()
	oid1     = daos.ObjectID{Hi: 1, Lo: 1}
	oid2     = daos.ObjectID{Hi: 1, Lo: 2}
	binDkey  = []byte{0, 1, 0xff}
	bigValue = bytes.Repeat([]byte("0123456789abcdef"), 1024) // 16 KiB: NVMe
)

// testPool is a closed pool on disk, ready for ddb.
type testPool struct {
	dir, nvme string
	cont      vos.ContainerID
	// lastRecord is the journal offset of the last update's record.
	lastRecord int64
}

// makePool writes single values (one on NVMe at offset 0), an array with
// overlapping extents, an uncommitted transaction, an akey punch, a
// removal and a binary dkey, then closes the pool so that ddb can open it.
// The journal is a file.
func makePool(t *testing.T) testPool {
	t.Helper()
	return makeModePool(t, vos.LogFile, t.TempDir())
}

// makeModePool is makePool with the journal in the given mode, and the
// pool in dir.
func makeModePool(t *testing.T, mode vos.LogMode, dir string) testPool {
	t.Helper()
	tp := testPool{dir: dir, nvme: filepath.Join(t.TempDir(), "nvme")}
	var err error
	tp.cont, err = vos.ParseContainerID(contUUID)
	require.NoError(t, err)
	p, err := vos.Create(ctx, vos.StoreConfig{Dir: tp.dir, LogMode: mode, LogBytes: 1 << 20, NVMePath: tp.nvme,
		Options: vos.Options{SCMBytes: 32 << 20, NVMeBytes: 1 << 20}})
	require.NoError(t, err)
	defer func() { require.NoError(t, p.Close()) }()
	require.NoError(t, p.CreateContainer(ctx, tp.cont))
	single := func(name string, v []byte) daos.IOD {
		return daos.IOD{Name: []byte(name), Type: daos.IODSingle, Size: uint64(len(v))}
	}
	array := func(idx uint64, v string) daos.IOD {
		return daos.IOD{Name: []byte("arr"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: idx, Nr: uint64(len(v))}}}
	}
	d := []byte("d")
	require.NoError(t, p.Update(ctx, tp.cont, oid1, 1, d, []daos.IOD{single("big", bigValue), single("small", []byte("s"))},
		[][]byte{bigValue, []byte("s")}, vos.UpdateOptions{}))
	require.NoError(t, p.Update(ctx, tp.cont, oid1, 2, d, []daos.IOD{array(0, "array!")}, [][]byte{[]byte("array!")}, vos.UpdateOptions{}))
	require.NoError(t, p.Update(ctx, tp.cont, oid1, 3, d, []daos.IOD{array(2, "XY")}, [][]byte{[]byte("XY")}, vos.UpdateOptions{}))
	require.NoError(t, p.Update(ctx, tp.cont, oid1, 3, d, []daos.IOD{single("t", []byte("tx"))}, [][]byte{[]byte("tx")}, vos.UpdateOptions{Tx: 4}))
	require.NoError(t, p.PunchAkeys(ctx, tp.cont, oid1, 5, d, [][]byte{[]byte("small")}, vos.PunchOptions{}))
	require.NoError(t, p.Update(ctx, tp.cont, oid1, 6, d, []daos.IOD{single("small", nil)}, [][]byte{{}}, vos.UpdateOptions{})) // a removal
	info, err := p.StoreInfo()
	require.NoError(t, err)
	tp.lastRecord = info.JournalUsed
	require.NoError(t, p.Update(ctx, tp.cont, oid2, 8, binDkey, []daos.IOD{single("a", []byte("bin"))}, [][]byte{[]byte("bin")}, vos.UpdateOptions{}))
	return tp
}

// path joins components under the test container.
func (tp testPool) path(parts ...string) string {
	return "/" + strings.Join(append([]string{contUUID}, parts...), "/")
}

// ddb runs the tool in-process.
func ddb(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = cmdutil.Execute(newRoot(), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

// ok runs ddb and requires success.
func ok(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := ddb(t, args...)
	require.Equal(t, 0, code, errOut)
	return out
}

// jsonReply runs ddb with --json and decodes the response.
func jsonReply(t *testing.T, reply any, args ...string) {
	t.Helper()
	out := ok(t, append([]string{"--json"}, args...)...)
	env := struct {
		Response any `json:"response"`
		Status   int `json:"status"`
	}{Response: reply}
	require.NoError(t, json.Unmarshal([]byte(out), &env), out)
	require.Zero(t, env.Status)
}

// table strips the padding the table writer leaves at line ends.
func table(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

func TestLsText(t *testing.T) {
	tp := makePool(t)
	for _, c := range []struct {
		path, want string
	}{
		{"", `
Container                            Objects Aggregated Snapshots Open txs
---------                            ------- ---------- --------- --------
8c6e7f3a-1b2c-4d5e-9f00-112233445566 2       -          -         4
`},
		{tp.path(), `
Object Dkeys Punched at
------ ----- ----------
1.1    1     -
1.2    1     -
`},
		{tp.path("1.2"), `
Dkey     Akeys Punched at
----     ----- ----------
0x0001ff 1     -
`},
		{tp.path("1.1", "d"), `
Akey  Type   Versions Punched at
----  ----   -------- ----------
arr   array  2        -
big   single 1        -
small single 2        5
t     single 1        -
`},
		{tp.path("1.1", "d", "small"), `
Punched at: 5

# Epoch Size Tx Where Removal
- ----- ---- -- ----- -------
0 1     1    0  scm   no
1 6     0    0  scm   yes
`},
		{tp.path("1.1", "d", "big"), `
# Epoch Size  Tx Where  Removal
- ----- ----  -- -----  -------
0 1     16384 0  nvme@0 no
`},
		{tp.path("1.1", "d", "t"), `
# Epoch Size Tx Where Removal
- ----- ---- -- ----- -------
0 3     2    4  scm   no
`},
		{tp.path("1.1", "d", "arr"), `
# Extent Epoch Record size Tx Where Punched
- ------ ----- ----------- -- ----- -------
0 [0, 6) 2     1           0  scm   no
1 [2, 4) 3     1           0  scm   no
`},
		{tp.path("1.2", "0x0001ff", "a"), `
# Epoch Size Tx Where Removal
- ----- ---- -- ----- -------
0 8     3    0  scm   no
`},
	} {
		args := []string{"ls", tp.dir}
		if c.path != "" {
			args = append(args, c.path)
		}
		require.Equal(t, c.want[1:], table(ok(t, args...)), c.path)
	}
	// A trailing slash and a leading-slash-less path are the same path.
	require.Equal(t, ok(t, "ls", tp.dir, tp.path("1.1")), ok(t, "ls", tp.dir, contUUID+"/1.1/"))
}

func TestLsJSON(t *testing.T) {
	tp := makePool(t)
	var conts containerListing
	jsonReply(t, &conts, "ls", tp.dir)
	require.Equal(t, containerListing{Path: "/", Containers: []containerRow{
		{UUID: contUUID, Objects: 2, Snapshots: []uint64{}, OpenTxs: []uint64{4}}}}, conts)

	var objs objectListing
	jsonReply(t, &objs, "ls", tp.dir, tp.path())
	require.Equal(t, objectListing{Path: tp.path(), Objects: []objectRow{
		{OID: "1.1", Dkeys: 1, Punches: []punchRow{}}, {OID: "1.2", Dkeys: 1, Punches: []punchRow{}}}}, objs)

	var dkeys dkeyListing
	jsonReply(t, &dkeys, "-j", "ls", tp.dir, tp.path("1.2"))
	require.Equal(t, dkeyListing{Path: tp.path("1.2"), Dkeys: []dkeyRow{{Dkey: "0x0001ff", Akeys: 1, Punches: []punchRow{}}}}, dkeys)

	var akeys akeyListing
	jsonReply(t, &akeys, "ls", tp.dir, tp.path("1.1", "d"))
	require.Equal(t, akeyListing{Path: tp.path("1.1", "d"), Akeys: []akeyRow{
		{Akey: "arr", Type: "array", Versions: 2, Punches: []punchRow{}},
		{Akey: "big", Type: "single", Versions: 1, Punches: []punchRow{}},
		{Akey: "small", Type: "single", Versions: 2, Punches: []punchRow{{Epoch: 5}}},
		{Akey: "t", Type: "single", Versions: 1, Punches: []punchRow{}},
	}}, akeys)

	var versions versionListing
	jsonReply(t, &versions, "ls", tp.dir, tp.path("1.1", "d", "small"))
	require.Equal(t, versionListing{Path: tp.path("1.1", "d", "small"), Punches: []punchRow{{Epoch: 5}}, Versions: []versionRow{
		{Index: 0, Type: "single", Epoch: 1, Size: 1, Where: "scm"},
		{Index: 1, Type: "single", Epoch: 6, Size: 0, Where: "scm", Removal: true},
	}}, versions)
	versions = versionListing{}
	jsonReply(t, &versions, "ls", tp.dir, tp.path("1.1", "d", "arr"))
	require.Equal(t, []versionRow{
		{Index: 0, Type: "array", Epoch: 2, Size: 1, Extent: &extentRow{Idx: 0, End: 6}, Where: "scm"},
		{Index: 1, Type: "array", Epoch: 3, Size: 1, Extent: &extentRow{Idx: 2, End: 4}, Where: "scm"},
	}, versions.Versions)
	versions = versionListing{} // decoding into a used value would keep its extent
	jsonReply(t, &versions, "ls", tp.dir, tp.path("1.1", "d", "big"))
	require.Equal(t, []versionRow{{Index: 0, Type: "single", Epoch: 1, Size: 16384, Where: "nvme@0"}}, versions.Versions)
}

func TestDump(t *testing.T) {
	tp := makePool(t)
	require.Equal(t, string(bigValue), ok(t, "dump", tp.dir, tp.path("1.1", "d", "big")))
	require.Equal(t, "arXYy!", ok(t, "dump", tp.dir, tp.path("1.1", "d", "arr")))
	require.Equal(t, "array!", ok(t, "dump", tp.dir, tp.path("1.1", "d", "arr"), "--epoch", "2"))
	require.Equal(t, "s", ok(t, "dump", tp.dir, tp.path("1.1", "d", "small"), "--epoch", "4"))
	require.Equal(t, "bin", ok(t, "dump", tp.dir, tp.path("1.2", "0x0001ff", "a")))
	// Stored versions, whatever a read sees: uncommitted, punched.
	require.Equal(t, "tx", ok(t, "dump", tp.dir, tp.path("1.1", "d", "t"), "--version", "0"))
	require.Equal(t, "XY", ok(t, "dump", tp.dir, tp.path("1.1", "d", "arr"), "--version", "1"))

	out := filepath.Join(t.TempDir(), "value")
	require.Equal(t, "wrote 16384 bytes of "+tp.path("1.1", "d", "big")+" to "+out+"\n",
		ok(t, "dump", tp.dir, tp.path("1.1", "d", "big"), "-o", out))
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Equal(t, bigValue, got)

	var reply dumpReply
	jsonReply(t, &reply, "dump", tp.dir, tp.path("1.1", "d", "arr"), "--epoch", "3")
	require.Equal(t, dumpReply{Path: tp.path("1.1", "d", "arr"), Type: "array", Epoch: 3, RecordSize: 1,
		Extent: &extentRow{Idx: 0, End: 6}, Bytes: 6, Data: []byte("arXYy!")}, reply)

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{tp.path("1.1", "d", "small")}, "no value as of epoch 18446744073709551615 (never written, removed, punched or not committed"},
		{[]string{tp.path("1.1", "d", "t")}, "no value as of epoch"},
		{[]string{tp.path("1.1", "d", "arr"), "--epoch", "1"}, "no array records as of epoch 1"},
		{[]string{tp.path("1.1", "d", "arr"), "--version", "2"}, "no version 2: the akey stores 2 (0 to 1)"},
		{[]string{tp.path("1.1", "d", "nope")}, "akey nope is not in " + tp.path("1.1", "d")},
		{[]string{tp.path("1.1", "d")}, "goes down to the dkey; this command needs /<cont>/<oid>/<dkey>/<akey>"},
		{[]string{tp.path("1.1", "d", "arr"), "--epoch", "2", "--version", "0"}, "--epoch and --version are alternatives"},
	} {
		_, errOut, code := ddb(t, append([]string{"dump", tp.dir}, c.args...)...)
		require.Equal(t, 1, code, c.args)
		require.Contains(t, errOut, c.want)
		require.True(t, strings.HasPrefix(errOut, "ddb: "), errOut)
	}
}

func TestSpace(t *testing.T) {
	tp := makePool(t)
	out := ok(t, "space", tp.dir)
	require.Regexp(t, `^SCM:        [0-9.]+ KiB used of 32 MiB \(0%\)
NVMe:       16 KiB used of 1 MiB \(2%\)
Journal:    [0-9.]+ KiB used of 1 MiB \([0-9]+%\)
Checkpoint: none
$`, out)
	var reply spaceReply
	jsonReply(t, &reply, "space", tp.dir)
	require.Equal(t, uint64(32<<20), reply.SCMTotal)
	require.Equal(t, uint64(16<<10), reply.NVMeUsed)
	require.Equal(t, int64(1<<20), reply.JournalBytes)
	require.Greater(t, reply.JournalUsed, int64(8192))
	require.False(t, reply.Checkpoint)
}

func TestVerifyGoodPool(t *testing.T) {
	tp := makePool(t)
	require.Equal(t, "7 versions checked, 0 bad\n", ok(t, "verify", tp.dir))
	var reply verifyReply
	jsonReply(t, &reply, "verify", tp.dir)
	require.Equal(t, verifyReply{Checked: 7, Failures: []verifyFail{}}, reply)
}

func TestVerifyDamagedNVMe(t *testing.T) {
	tp := makePool(t)
	flipByte(t, tp.nvme, 100) // inside the 16 KiB value at NVMe offset 0
	out, errOut, code := ddb(t, "verify", tp.dir)
	require.Equal(t, 1, code)
	bad := tp.path("1.1", "d", "big") + "@1: NVMe extent at offset 0 (16384 bytes): CRC-32C "
	require.Contains(t, out, bad)
	require.Contains(t, out, "DER_CSUM")
	require.True(t, strings.HasSuffix(out, "7 versions checked, 1 bad\n"), out)
	require.Equal(t, "ddb: verify "+tp.dir+": 7 versions checked, 1 bad: DER_CSUM(-2021): 'checksum mismatch'\n", errOut)

	out, _, code = ddb(t, "verify", "--json", tp.dir)
	require.Equal(t, 1, code)
	var env struct {
		Response any    `json:"response"`
		Error    string `json:"error"`
		Status   int    `json:"status"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &env), out)
	require.Nil(t, env.Response)
	require.Equal(t, daos.ErrCsum.DerCode(), env.Status)
	require.Contains(t, env.Error, bad)

	// The damage shows on an ordinary read too.
	_, errOut, code = ddb(t, "dump", tp.dir, tp.path("1.1", "d", "big"))
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "DER_CSUM")
}

func TestPunch(t *testing.T) {
	tp := makePool(t)
	_, errOut, code := ddb(t, "punch", tp.dir, tp.path("1.1"))
	require.Equal(t, 1, code)
	require.Equal(t, "ddb: punch "+tp.path("1.1")+": refused without --write-mode (ddb changes a pool only when told to): "+
		"DER_NO_PERM(-1001): 'permission denied'\n", errOut)
	require.Contains(t, table(ok(t, "ls", tp.dir, tp.path())), "1.1    1     -\n", "nothing was punched")

	require.Equal(t, "punched "+tp.path("1.2")+" at epoch 9\n", ok(t, "punch", tp.dir, tp.path("1.2"), "--write-mode"))
	require.Contains(t, table(ok(t, "ls", tp.dir, tp.path())), "1.2    1     9\n")
	_, errOut, code = ddb(t, "dump", tp.dir, tp.path("1.2", "0x0001ff", "a"))
	require.Equal(t, 1, code, "the punched value no longer reads")
	require.Contains(t, errOut, "no value as of epoch")
	require.Equal(t, "bin", ok(t, "dump", tp.dir, tp.path("1.2", "0x0001ff", "a"), "--epoch", "8"), "older views keep it")

	var reply punchReply
	jsonReply(t, &reply, "punch", tp.dir, tp.path("1.1"), "--write-mode", "--epoch", "20")
	require.Equal(t, punchReply{Path: tp.path("1.1"), Epoch: 20}, reply)

	// Below the aggregation boundary nothing may be written.
	p, err := vos.Open(ctx, tp.dir)
	require.NoError(t, err)
	_, err = p.Aggregate(ctx, tp.cont, 30)
	require.NoError(t, err)
	require.NoError(t, p.Close())
	_, errOut, code = ddb(t, "punch", tp.dir, tp.path("1.1"), "--write-mode", "--epoch", "25")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "epoch 25 is below the container's aggregation boundary 30")
	require.Contains(t, errOut, "use --epoch 30 or above")
	require.Equal(t, "punched "+tp.path("1.1")+" at epoch 30\n", ok(t, "punch", tp.dir, tp.path("1.1"), "--write-mode"))

	_, errOut, code = ddb(t, "punch", tp.dir, tp.path("7.7"), "--write-mode")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "object 7.7 is not in container "+contUUID)
	_, errOut, code = ddb(t, "punch", tp.dir, tp.path("1.1", "d"), "--write-mode")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "goes down to the dkey; this command needs /<cont>/<oid>")
}

func TestErrors(t *testing.T) {
	tp := makePool(t)
	missing := filepath.Join(t.TempDir(), "nope")
	notPool := t.TempDir()
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o600))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ls", missing}, "ddb: no VOS pool at " + missing + ": no such directory: DER_NONEXIST"},
		{[]string{"space", file}, "ddb: no VOS pool at " + file + ": not a directory"},
		{[]string{"verify", notPool}, "ddb: open VOS pool in " + notPool + ": no VOS pool: " + filepath.Join(notPool, "vos-pool.json") + " is missing"},
		{[]string{"ls", tp.dir, "/nope"}, `ddb: path "/nope": component 1 (container): container id "nope": want a UUID`},
		{[]string{"ls", tp.dir, tp.path("1")}, `component 2 (object): object id "1": want HI.LO`},
		{[]string{"ls", tp.dir, tp.path("1.1", "0xzz")}, `component 3 (dkey): key "0xzz": not hex after 0x`},
		{[]string{"ls", tp.dir, tp.path("1.1", "d", "a", "extra")}, `5 components, at most 4`},
		{[]string{"ls", tp.dir, tp.path("7.7")}, "object 7.7 is not in container " + contUUID},
		{[]string{"ls", tp.dir, "/00000000-0000-0000-0000-000000000000"}, "container 00000000-0000-0000-0000-000000000000: DER_NONEXIST"},
		{[]string{"ls", tp.dir, tp.path("1.1", "e")}, "dkey e is not in object " + contUUID + "/1.1"},
	} {
		_, errOut, code := ddb(t, c.args...)
		require.Equal(t, 1, code, c.args)
		require.Contains(t, errOut, c.want, c.args)
	}
}

func TestDamagedPoolFiles(t *testing.T) {
	t.Run("journal", func(t *testing.T) {
		tp := makePool(t)
		flipByte(t, filepath.Join(tp.dir, "vos.wal"), 8192+60) // the first record's payload
		_, errOut, code := ddb(t, "verify", tp.dir)
		require.Equal(t, 1, code)
		require.Contains(t, errOut, "ddb: open VOS pool in "+tp.dir)
		require.Contains(t, errOut, "record LSN 1 at offset 8192 is invalid")
	})
	t.Run("checkpoint", func(t *testing.T) {
		tp := makePool(t)
		p, err := vos.Open(ctx, tp.dir)
		require.NoError(t, err)
		require.NoError(t, p.Checkpoint(ctx))
		require.NoError(t, p.Close())
		require.Contains(t, ok(t, "space", tp.dir), "Checkpoint: ")
		require.NotContains(t, ok(t, "space", tp.dir), "Checkpoint: none")
		flipByte(t, filepath.Join(tp.dir, "vos.ckpt"), 100)
		_, errOut, code := ddb(t, "ls", tp.dir)
		require.Equal(t, 1, code)
		require.Contains(t, errOut, "ddb: open VOS pool in "+tp.dir)
		require.Contains(t, errOut, "read checkpoint "+filepath.Join(tp.dir, "vos.ckpt"))
	})
	t.Run("open elsewhere", func(t *testing.T) {
		tp := makePool(t)
		p, err := vos.Open(ctx, tp.dir)
		require.NoError(t, err)
		defer p.Close()
		_, errOut, code := ddb(t, "ls", tp.dir)
		require.Equal(t, 1, code)
		require.Contains(t, errOut, "stop the engine that has it open")
	})
}

// flipByte inverts one byte of a file, as damaged media would.
func flipByte(t *testing.T, path string, off int64) {
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
