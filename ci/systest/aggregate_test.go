//go:build systest

package systest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

// Overwrites leave old versions behind until the engines aggregate them:
// with the pool's default reclaim strategy (lazy) an idle engine gives
// their space back, while the latest data and a snapshot's view stay
// readable. The engines aggregate every second, epochs older than 2 s.
// The container sums its data (crc32 in 4 KiB chunks, checked by the
// engine too), so every write and read here is checked end to end.
func TestAggregationReclaimsOverwrites(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := startClusterEdited(ctx, t, 1, 2, func(c *Cluster) error {
		b, err := os.ReadFile(c.Servers[0].Config)
		if err != nil {
			return err
		}
		s := strings.Replace(string(b), "env_vars: [GOMAXPROCS=", "env_vars: [DAOS_GO_AGG_INTERVAL=1s, DAOS_GO_AGG_WINDOW=2s, GOMAXPROCS=", 1)
		return os.WriteFile(c.Servers[0].Config, []byte(s), 0o644)
	})
	createPool(ctx, t, c, "-s", "256MiB", "-n", "1GiB", "agg")
	a, err := c.StartAgent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	cli := newClient(ctx, t, a)
	pool, err := cli.connect(ctx, "agg", client.RW)
	if err != nil {
		t.Fatalf("connect: %v\n%s", err, c.Logs())
	}
	if _, err := pool.CreateContainer(ctx, "versions", "", map[string]string{"cksum": "crc32", "cksum_size": "4096", "srv_cksum": "on"}); err != nil {
		t.Fatal(err)
	}
	cont, err := pool.OpenContainer(ctx, "versions", client.RW)
	if err != nil {
		t.Fatal(err)
	}
	o, err := cont.Object(classOID(t, pool, "S1", 7))
	if err != nil {
		t.Fatal(err)
	}
	const size = 256 << 10
	iod := []daos.IOD{{Name: []byte("a"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 0, Nr: size}}}}
	version := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, size) }
	free := func() uint64 {
		t.Helper()
		sp, err := pool.Space(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return sp.Free[0] + sp.Free[1]
	}
	start := free()
	const versions = 40
	var snap daos.Epoch
	for i := 1; i <= versions; i++ {
		if _, err := o.Update(ctx, []byte("d"), iod, [][]byte{version(i)}, 0); err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
		if i == versions/2 {
			if snap, err = cont.CreateSnap(ctx, "half"); err != nil {
				t.Fatal(err)
			}
		}
	}
	written := start - free()
	if written < versions*size {
		t.Fatalf("%d versions of %d bytes took %d bytes", versions, size, written)
	}
	// All but two versions (the latest, the snapshot's) go.
	want := start - 3*size
	deadline := time.Now().Add(30 * time.Second)
	for free() < want {
		if time.Now().After(deadline) {
			t.Fatalf("free space %d after 30 s, want at least %d (%d before the writes, %d used by them)\n%s",
				free(), want, start, written, c.Logs())
		}
		time.Sleep(200 * time.Millisecond)
	}
	read := func(at daos.Epoch) []byte {
		t.Helper()
		buf := make([]byte, size)
		if _, err := o.Fetch(ctx, at, []byte("d"), iod, [][]byte{buf}, 0); err != nil {
			t.Fatalf("fetch at %d: %v", at, err)
		}
		return buf
	}
	if !bytes.Equal(read(daos.EpochMax), version(versions)) {
		t.Error("the latest version is not what was written last")
	}
	if got := read(snap); !bytes.Equal(got, version(versions/2)) {
		t.Errorf("the snapshot reads version %d, want %d", got[0], versions/2)
	}
	fmt.Fprintf(os.Stderr, "aggregation: %d bytes written, free space back to %d of %d\n", written, free(), start)
}
