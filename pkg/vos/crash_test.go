package vos

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
)

// The crash test runs a writer in a child process (this test binary again)
// that prints a line for every acknowledged update, kills it with SIGKILL
// at a random moment, reopens the pool and checks that every acknowledged
// write is there and that no value is torn or partial.

const crashChildEnv = "VOS_CRASH_CHILD_DIR"

// crashValue is self-describing: key, epoch and a CRC of both, padded to
// size, so a reader can tell a whole value from a torn one.
func crashValue(key int, epoch daos.Epoch, size int) []byte {
	v := make([]byte, max(size, 16))
	binary.LittleEndian.PutUint32(v[0:], uint32(key))
	binary.LittleEndian.PutUint64(v[4:], epoch)
	for i := 16; i < len(v); i++ {
		v[i] = byte(uint64(key)*31 + epoch + uint64(i))
	}
	binary.LittleEndian.PutUint32(v[12:], crc32.ChecksumIEEE(v[16:])^uint32(key))
	return v
}

func checkCrashValue(v []byte, key int) (daos.Epoch, error) {
	if len(v) < 16 {
		return 0, fmt.Errorf("value of %d bytes is too short", len(v))
	}
	epoch := binary.LittleEndian.Uint64(v[4:])
	if int(binary.LittleEndian.Uint32(v)) != key || !bytes.Equal(v, crashValue(key, epoch, len(v))) {
		return epoch, fmt.Errorf("value for key %d (claims epoch %d) is torn or misplaced", key, epoch)
	}
	return epoch, nil
}

const crashKeys = 64

// crashSizes mixes values kept in SCM with values sent to NVMe.
var crashSizes = []int{16, 200, 4096, 20000}

func crashConfig(dir string, mode LogMode) StoreConfig {
	return StoreConfig{Dir: filepath.Join(dir, "scm"), LogMode: mode, LogBytes: 256 << 10,
		NVMePath: filepath.Join(dir, "nvme"), Options: Options{SCMBytes: 64 << 20, NVMeBytes: 32 << 20}}
}

// TestCrashChild is the writer; it only runs when started by the crash
// test.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("runs only as the crash test's child")
	}
	start, err := strconv.ParseUint(os.Getenv("VOS_CRASH_EPOCH"), 10, 64)
	require.NoError(t, err)
	p, err := Open(ctx, filepath.Join(dir, "scm"))
	require.NoError(t, err)
	// Several writers, so that updates share journal syncs (group commit)
	// when the kill lands; each prints its acknowledgments.
	var (
		outMu sync.Mutex
		out   = bufio.NewWriter(os.Stdout)
		epoch atomic.Uint64
	)
	epoch.Store(start - 1)
	fail := func(err error) {
		fmt.Fprintf(os.Stderr, "crash child: %v\n", err)
		os.Exit(3)
	}
	writer := func(w int) {
		rng := rand.New(rand.NewPCG(start, uint64(7+w)))
		var lastE daos.Epoch
		var lastK int
		for n := 1; ; n++ {
			// Two keys per update, in one dkey: both or neither may be seen.
			e := daos.Epoch(epoch.Add(1))
			k := rng.IntN(crashKeys / 2)
			if lastE != 0 && rng.IntN(4) == 0 {
				// Rewrite the last update at its own epoch: the version is
				// replaced and its NVMe extent dropped while the new record
				// may not be durable yet.
				e, k = lastE, lastK
			}
			lastE, lastK = e, k
			size := crashSizes[rng.IntN(len(crashSizes))]
			a, b := crashValue(2*k, e, size), crashValue(2*k+1, e, size)
			iods := []daos.IOD{sv("v", string(a)), sv("w", string(b))}
			var err error
			if rng.IntN(2) == 0 {
				err = p.Update(ctx, cid, oid1, e, []byte(strconv.Itoa(k)), iods, [][]byte{a, b}, UpdateOptions{})
			} else {
				// The two-phase update: the data is stored in place (the
				// device's mapped memory for the large values), and the
				// kill may land between the two phases.
				err = beginCopyCommit(p, e, []byte(strconv.Itoa(k)), iods, append(a, b...))
			}
			if errors.Is(err, daos.ErrTxRestart) {
				continue // aggregation passed this epoch meanwhile: take a newer one
			}
			if err != nil {
				fail(err)
			}
			outMu.Lock()
			fmt.Fprintf(out, "ack %d %d\n", k, e)
			out.Flush()
			outMu.Unlock()
			if w != 0 {
				continue
			}
			if n%97 == 0 {
				if err := p.Checkpoint(ctx); err != nil {
					fail(err)
				}
			}
			if n%50 == 0 { // keep NVMe from filling up with old versions
				if _, err := p.Aggregate(ctx, cid, daos.Epoch(epoch.Load())-crashWriters); err != nil {
					fail(err)
				}
			}
		}
	}
	for w := 1; w < crashWriters; w++ {
		go writer(w)
	}
	writer(0)
}

// crashWriters is how many goroutines of the child write at once.
const crashWriters = 4

// TestCrashRecovery kills writers of a PMem-journal pool 50 times (5 with
// -short) and of a file-journal (MD-on-SSD) pool a fifth as often;
// VOS_CRASH_KILLS sets the first number.
func TestCrashRecovery(t *testing.T) {
	if os.Getenv(crashChildEnv) != "" {
		t.Skip("in the child")
	}
	kills := 50
	if testing.Short() {
		kills = 5
	}
	if s := os.Getenv("VOS_CRASH_KILLS"); s != "" {
		var err error
		kills, err = strconv.Atoi(s)
		require.NoError(t, err)
	}
	for _, mode := range []LogMode{LogPMem, LogFile} {
		n := kills
		if mode == LogFile {
			n = max(1, kills/5)
		}
		t.Run(string(mode), func(t *testing.T) { crashLoop(t, mode, n) })
	}
}

func crashLoop(t *testing.T, mode LogMode, kills int) {
	dir := shmDir(t)
	if mode == LogFile {
		dir = t.TempDir()
	}
	p, err := Create(ctx, crashConfig(dir, mode))
	require.NoError(t, err)
	require.NoError(t, p.CreateContainer(ctx, cid))
	require.NoError(t, p.Close())

	acked := map[int]daos.Epoch{} // dkey -> newest acknowledged epoch
	next := daos.Epoch(1)
	seed := rand.Uint64()
	t.Logf("kill timing seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	for kill := 0; kill < kills; kill++ {
		last := runCrashChild(t, dir, next, time.Duration(5+rng.IntN(60))*time.Millisecond, acked)
		next = last + 1
		verifyCrashPool(t, dir, acked, kill)
	}
	require.NotEmpty(t, acked, "the child never acknowledged a write")
	t.Logf("%d kills, %d epochs written, %d of %d dkeys acknowledged", kills, next-1, len(acked), crashKeys/2)
}

// runCrashChild starts the writer, kills it after delay and returns the
// newest epoch it may have used.
func runCrashChild(t *testing.T, dir string, start daos.Epoch, delay time.Duration, acked map[int]daos.Epoch) daos.Epoch {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v=false")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, fmt.Sprintf("VOS_CRASH_EPOCH=%d", start))
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	timer := time.AfterFunc(delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
	defer timer.Stop()
	newest := start
	var other strings.Builder // the child's test output, for a failure message
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 || f[0] != "ack" {
			other.WriteString(sc.Text() + "\n")
			continue
		}
		k, _ := strconv.Atoi(f[1])
		e, _ := strconv.ParseUint(f[2], 10, 64)
		acked[k] = max(acked[k], e)
		newest = max(newest, e)
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("child ended by itself (%v): %s%s", err, other.String(), stderr.String())
	}
	// The child may have written epochs past the last ack it printed, one
	// in flight per writer.
	return newest + crashWriters
}

func verifyCrashPool(t *testing.T, dir string, acked map[int]daos.Epoch, kill int) {
	p, err := Open(context.Background(), filepath.Join(dir, "scm"))
	require.NoError(t, err, "reopen after kill %d", kill)
	defer p.Close()
	for k := 0; k < crashKeys/2; k++ {
		iods := []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: 1 << 20}, {Name: []byte("w"), Type: daos.IODSingle, Size: 1 << 20}}
		res, err := p.Fetch(ctx, cid, oid1, daos.EpochMax, []byte(strconv.Itoa(k)), iods, FetchOptions{})
		require.NoError(t, err)
		want, wasAcked := acked[k]
		if res[0].Data == nil && res[1].Data == nil {
			require.False(t, wasAcked, "kill %d: dkey %d lost its acknowledged write at epoch %d", kill, k, want)
			continue
		}
		ea, err := checkCrashValue(res[0].Data, 2*k)
		require.NoError(t, err, "kill %d", kill)
		eb, err := checkCrashValue(res[1].Data, 2*k+1)
		require.NoError(t, err, "kill %d", kill)
		require.Equal(t, ea, eb, "kill %d: dkey %d shows half of an update", kill, k)
		require.GreaterOrEqual(t, ea, want, "kill %d: dkey %d went back from acknowledged epoch %d", kill, k, want)
	}
}

// beginCopyCommit is an update through BeginUpdate and Commit.
func beginCopyCommit(p *Pool, e daos.Epoch, dkey []byte, iods []daos.IOD, data []byte) error {
	u, err := p.BeginUpdate(ctx, cid, oid1, e, dkey, iods, UpdateOptions{})
	if err != nil {
		return err
	}
	defer u.Abort()
	for _, s := range u.Segments() {
		data = data[copy(s, data):]
	}
	return u.Commit(ctx)
}
