//go:build systest

package systest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine"
	"github.com/daos-go/daos/pkg/engine/enginepb"
	"github.com/daos-go/daos/pkg/placement"
)

// engineOps reads server i's engine's per-target update counts over its
// dRPC socket (what daos_server exports as engine_io_ops_total).
func engineOps(ctx context.Context, c *Cluster, i int) (map[uint32]uint64, error) {
	pid, _, _, err := c.Engine(ctx, i)
	if err != nil {
		return nil, err
	}
	dc := drpc.NewClient(engine.SocketPath(filepath.Join(c.Servers[i].Dir, "run"), pid), 0)
	defer dc.Close()
	raw, err := dc.Call(ctx, drpc.ModuleMgmt, drpc.MethodGetMetrics, nil)
	if err != nil {
		return nil, err
	}
	m := &enginepb.MetricsResp{}
	if err := proto.Unmarshal(raw, m); err != nil {
		return nil, err
	}
	out := map[uint32]uint64{}
	for _, o := range m.Ops {
		if o.Op == "update" {
			out[o.Target] += o.Count
		}
	}
	return out, nil
}

// TestEndToEndOnThreeServers drives the client API against three
// daos_server processes (127.0.0.2-4, one engine of four targets each):
// pool and container lifecycle errors, a random model of object I/O on
// every non-redundant class that fits twelve targets (checked value by
// value and listing by listing, and seen by every target's engine
// counters), the KV and Array APIs, and a container used after its pool
// is gone.
func TestEndToEndOnThreeServers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// The first server exports its telemetry, for checkTelemetry.
	var telPort int
	c := startClusterEdited(ctx, t, 3, 4, func(c *Cluster) error {
		var err error
		if telPort, err = freePort(); err != nil {
			return err
		}
		b, err := os.ReadFile(c.Servers[0].Config)
		if err != nil {
			return err
		}
		b = []byte(strings.Replace(string(b), "telemetry_port: 0\n", fmt.Sprintf("telemetry_port: %d\n", telPort), 1))
		return os.WriteFile(c.Servers[0].Config, b, 0o644)
	})
	createPool(ctx, t, c, "-s", "256MiB", "-n", "1GiB", "--nsvc", "3", "e2e")
	if out, err := c.Dmg(ctx, "pool", "create", "-s", "256MiB", "e2e"); err == nil {
		t.Errorf("a second pool labelled e2e was created:\n%s", out)
	}

	a, err := c.StartAgent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	cli := newClient(ctx, t, a)
	if _, err := cli.connect(ctx, "nosuchpool", client.RW); !errors.Is(err, daos.ErrNonexist) {
		t.Errorf("connect to an unknown pool: %v", err)
	}
	pool, err := cli.connect(ctx, "e2e", client.RW)
	if err != nil {
		t.Fatalf("connect: %v\n%s", err, c.Logs())
	}
	if _, err := pool.CreateContainer(ctx, "model", "POSIX", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.OpenContainer(ctx, "nosuchcont", client.RW); !errors.Is(err, daos.ErrNonexist) {
		t.Errorf("open of an unknown container: %v", err)
	}
	cont, err := pool.OpenContainer(ctx, "model", client.RW)
	if err != nil {
		t.Fatal(err)
	}

	before := map[int]map[uint32]uint64{}
	for i := range c.Servers {
		if before[i], err = engineOps(ctx, c, i); err != nil {
			t.Fatalf("engine %d counters: %v", i, err)
		}
	}
	runModel(ctx, t, pool, cont)
	// Every target of every engine served updates of the model.
	for i := range c.Servers {
		after, err := engineOps(ctx, c, i)
		if err != nil {
			t.Fatalf("engine %d counters: %v", i, err)
		}
		for tgt := uint32(0); tgt < 4; tgt++ {
			if after[tgt] <= before[i][tgt] {
				t.Errorf("server %d target %d served no update of the model (%d before, %d after)", i, tgt, before[i][tgt], after[tgt])
			}
		}
	}

	checkKVAndArray(ctx, t, pool, cont)
	checkStaleMap(ctx, t, c, pool, cont)
	checkTelemetry(ctx, t, c, telPort)

	// A second container, then the pool goes (forced, recursive) while it
	// is open: its I/O and a new open fail cleanly.
	if _, err := pool.CreateContainer(ctx, "orphan", "POSIX", nil); err != nil {
		t.Fatal(err)
	}
	orphan, err := pool.OpenContainer(ctx, "orphan", client.RW)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := c.Dmg(ctx, "pool", "destroy", "e2e"); err == nil {
		t.Fatalf("pool destroy while connected succeeded:\n%s", out)
	}
	// --force is for open handles; containers need --recursive.
	if out, err := c.Dmg(ctx, "pool", "destroy", "--force", "e2e"); err == nil || !strings.Contains(fmt.Sprint(err)+out, "add --recursive") {
		t.Fatalf("pool destroy --force of a pool with containers: %v\n%s", err, out)
	}
	// --recursive alone is refused while the pool is connected.
	if out, err := c.Dmg(ctx, "pool", "destroy", "--recursive", "e2e"); err == nil {
		t.Fatalf("pool destroy --recursive while connected succeeded:\n%s", out)
	}
	if out, err := c.Dmg(ctx, "pool", "destroy", "--force", "--recursive", "e2e"); err != nil {
		t.Fatalf("forced pool destroy: %v\n%s", err, out)
	}
	if _, err := pool.OpenContainer(ctx, "orphan", client.RW); err == nil {
		t.Error("a container of a destroyed pool opened")
	}
	oid := classOID(t, pool, "S1", 900)
	o, err := orphan.Object(oid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Update(ctx, []byte("d"), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 1}}, [][]byte{{1}}, 0); err == nil {
		t.Error("an update to a container of a destroyed pool succeeded")
	}
	if _, err := cli.connect(ctx, "e2e", client.RW); !errors.Is(err, daos.ErrNonexist) {
		t.Errorf("connect to a destroyed pool: %v", err)
	}
}

func classOID(t *testing.T, pool *client.Pool, class string, lo uint64) daos.ObjectID {
	t.Helper()
	oid, err := placement.GenerateOID(daos.ObjectID{Lo: lo}, placement.OTMultiHashed, placement.Name2ID(class), 0, pool.View.Map().Shape(0))
	if err != nil {
		t.Fatalf("object id of class %s: %v", class, err)
	}
	return oid
}

// runModel runs random updates, fetches, punches and listings on objects
// of S1, S2, S4, S8 and SX over many dkeys and checks each result against
// a map of what should be there. S16 and S32 need more targets than the
// pool has and are refused.
func runModel(ctx context.Context, t *testing.T, pool *client.Pool, cont *client.Container) {
	for _, class := range []string{"S16", "S32"} {
		_, err := placement.GenerateOID(daos.ObjectID{Lo: 1}, placement.OTMultiHashed, placement.Name2ID(class), 0, pool.View.Map().Shape(0))
		if !errors.Is(err, daos.ErrInval) {
			t.Errorf("class %s on 12 targets: %v", class, err)
		}
	}
	type key struct {
		obj        int
		dkey, akey string
	}
	model := map[key][]byte{}
	var objs []*client.Object
	for i, class := range []string{"S1", "S2", "S4", "S8", "SX"} {
		o, err := cont.Object(classOID(t, pool, class, uint64(100+i)))
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	rng := rand.New(rand.NewPCG(5, 9))
	ops := 3000
	if testing.Short() {
		ops = 1000
	}
	dkeysOf := func(oi int) []string {
		seen := map[string]bool{}
		for k := range model {
			if k.obj == oi {
				seen[k.dkey] = true
			}
		}
		var out []string
		for d := range seen {
			out = append(out, d)
		}
		slices.Sort(out)
		return out
	}
	for i := 0; i < ops; i++ {
		oi := rng.IntN(len(objs))
		o := objs[oi]
		k := key{oi, fmt.Sprintf("dkey-%d", rng.IntN(400)), fmt.Sprintf("a%d", rng.IntN(3))}
		iod := func(n int) []daos.IOD {
			return []daos.IOD{{Name: []byte(k.akey), Type: daos.IODSingle, Size: uint64(n)}}
		}
		switch op := rng.IntN(20); {
		case op < 9:
			n := 1 + rng.IntN(100)
			if rng.IntN(10) == 0 {
				n = 16<<10 + rng.IntN(40000) // by bulk
			}
			val := make([]byte, n)
			for j := range val {
				val[j] = byte(rng.Uint32())
			}
			if _, err := o.Update(ctx, []byte(k.dkey), iod(n), [][]byte{val}, 0); err != nil {
				t.Fatalf("op %d: update %v: %v", i, k, err)
			}
			model[k] = val
		case op < 17:
			want := model[k]
			got := make([]byte, 60000)
			sizes, err := o.Fetch(ctx, daos.EpochMax, []byte(k.dkey), iod(len(got)), [][]byte{got}, 0)
			if err != nil {
				t.Fatalf("op %d: fetch %v: %v", i, k, err)
			}
			if sizes[0] != uint64(len(want)) || !bytes.Equal(got[:sizes[0]], want) {
				t.Fatalf("op %d: fetch %v: %d bytes, want %d", i, k, sizes[0], len(want))
			}
		case op < 18:
			if err := o.PunchDkeys(ctx, [][]byte{[]byte(k.dkey)}, 0); err != nil {
				t.Fatalf("op %d: punch dkey %v: %v", i, k, err)
			}
			for mk := range model {
				if mk.obj == oi && mk.dkey == k.dkey {
					delete(model, mk)
				}
			}
		case op < 19:
			if err := o.PunchAkeys(ctx, []byte(k.dkey), [][]byte{[]byte(k.akey)}, 0); err != nil {
				t.Fatalf("op %d: punch akey %v: %v", i, k, err)
			}
			delete(model, k)
		default:
			var got []string
			anchor := &client.Anchor{}
			for !anchor.EOF {
				keys, err := o.ListDkeys(ctx, daos.EpochMax, anchor, 1+rng.IntN(100))
				if err != nil {
					t.Fatalf("op %d: list dkeys: %v", i, err)
				}
				for _, d := range keys {
					got = append(got, string(d))
				}
			}
			slices.Sort(got)
			if want := dkeysOf(oi); !slices.Equal(got, want) {
				t.Fatalf("op %d: object %d lists %d dkeys, the model has %d", i, oi, len(got), len(want))
			}
		}
	}
}

// checkKVAndArray runs the KV and Array APIs over the three engines.
func checkKVAndArray(ctx context.Context, t *testing.T, pool *client.Pool, cont *client.Container) {
	kvOID, err := placement.GenerateOID(daos.ObjectID{Lo: 700}, placement.OTKVHashed, placement.Name2ID("SX"), 0, pool.View.Map().Shape(0))
	if err != nil {
		t.Fatal(err)
	}
	kv, err := cont.OpenKV(kvOID)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if err := kv.Put(ctx, fmt.Sprint("key", i), []byte(fmt.Sprint("value", i)), 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := kv.Remove(ctx, "key7", 0); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	if n, err := kv.Get(ctx, "key9", buf, 0); err != nil || string(buf[:n]) != "value9" {
		t.Errorf("kv get key9: %q %v", buf[:n], err)
	}
	if _, err := kv.Get(ctx, "key7", buf, client.CondKeyGet); !errors.Is(err, daos.ErrNonexist) {
		t.Errorf("kv get of a removed key: %v", err)
	}
	var keys []string
	anchor := &client.Anchor{}
	for !anchor.EOF {
		ks, err := kv.List(ctx, anchor, 7)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, ks...)
	}
	if len(keys) != 49 || slices.Contains(keys, "key7") {
		t.Errorf("kv list: %d keys %v", len(keys), keys)
	}

	arrOID, err := placement.GenerateOID(daos.ObjectID{Lo: 701}, placement.OTArray, placement.Name2ID("SX"), 0, pool.View.Map().Shape(0))
	if err != nil {
		t.Fatal(err)
	}
	arr, err := cont.CreateArray(ctx, arrOID, 1, 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	// A write past a hole across chunks, then the size, the hole, a short
	// read past the end, a punch and a truncation.
	data := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320000 bytes over 5 chunks
	if err := arr.WriteAt(ctx, 100000, data); err != nil {
		t.Fatal(err)
	}
	if size, err := arr.GetSize(ctx); err != nil || size != 420000 {
		t.Errorf("array size: %d %v", size, err)
	}
	got := make([]byte, 500000)
	res, err := arr.ReadAt(ctx, 0, got)
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != 420000 || res.ShortRead != 80000 {
		t.Errorf("array read counts: %+v", res)
	}
	if !bytes.Equal(got[:100000], make([]byte, 100000)) || !bytes.Equal(got[100000:420000], data) {
		t.Error("array read: the hole or the data came back wrong")
	}
	if err := arr.Punch(ctx, 150000, 1000); err != nil {
		t.Fatal(err)
	}
	if _, err := arr.ReadAt(ctx, 149000, got[:3000]); err != nil {
		t.Fatal(err)
	}
	want := append(append(slices.Clone(data[49000:50000]), make([]byte, 1000)...), data[51000:52000]...)
	if !bytes.Equal(got[:3000], want) {
		t.Error("array read around a punched range came back wrong")
	}
	if err := arr.SetSize(ctx, 200000); err != nil {
		t.Fatal(err)
	}
	if size, err := arr.GetSize(ctx); err != nil || size != 200000 {
		t.Errorf("array size after truncation: %d %v", size, err)
	}
	reopened, err := cont.OpenArray(ctx, arrOID)
	if err != nil || reopened.ChunkSize() != 64<<10 || reopened.CellSize() != 1 {
		t.Errorf("array reopen: %v", err)
	}
	if err := arr.Destroy(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := cont.OpenArray(ctx, arrOID); !errors.Is(err, daos.ErrNonexist) {
		t.Errorf("open of a destroyed array: %v", err)
	}
}

// checkStaleMap: a target is excluded behind the client's back (dmg pool
// exclude); the engines learn the new map version, the client's next I/O
// is refused as stale, and the client refreshes its map and goes on
// without the caller seeing it: every new value written after the
// exclusion reads back, and the client now holds the newer map.
func checkStaleMap(ctx context.Context, t *testing.T, c *Cluster, pool *client.Pool, cont *client.Container) {
	v0 := pool.View.Map().Version()
	if out, err := c.Dmg(ctx, "pool", "exclude", "e2e", "--ranks", "2", "--target-idx", "3"); err != nil {
		t.Fatalf("pool exclude: %v\n%s", err, out)
	}
	o, err := cont.Object(classOID(t, pool, "SX", 800))
	if err != nil {
		t.Fatal(err)
	}
	iod := []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 8}}
	// The engines hear of the new version within moments: write until
	// the client has been told its map is stale.
	deadline := time.Now().Add(20 * time.Second)
	i := 0
	for ; pool.View.Map().Version() == v0; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("after 20 s of I/O the client still holds map version %d", v0)
		}
		if _, err := o.Update(ctx, []byte(fmt.Sprint("s", i)), iod, [][]byte{[]byte(fmt.Sprintf("%08d", i))}, 0); err != nil {
			t.Fatalf("update %d across the map change: %v", i, err)
		}
	}
	n := i + 64
	for ; i < n; i++ {
		if _, err := o.Update(ctx, []byte(fmt.Sprint("s", i)), iod, [][]byte{[]byte(fmt.Sprintf("%08d", i))}, 0); err != nil {
			t.Fatalf("update %d after the map change: %v", i, err)
		}
	}
	// Values written with the new map all read back (those written
	// before it to the excluded target are lost: these classes keep one
	// copy, and rebuild is for redundant ones).
	l, err := o.Layout()
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range l.Shards {
		if sh.Rank == 2 && sh.Target == 3 {
			t.Errorf("the layout after the exclusion still uses rank 2 target 3")
		}
	}
	buf := make([]byte, 8)
	for j := n - 64; j < n; j++ {
		if _, err := o.Fetch(ctx, daos.EpochMax, []byte(fmt.Sprint("s", j)), iod, [][]byte{buf}, 0); err != nil || string(buf) != fmt.Sprintf("%08d", j) {
			t.Fatalf("fetch %d after the map change: %q %v", j, buf, err)
		}
	}
	if v := pool.View.Map().Version(); v <= v0 {
		t.Errorf("client map version %d, not above %d", v, v0)
	}
}

// checkTelemetry reads the first server's Prometheus endpoint, directly
// and through dmg telemetry metrics query: its engine counted the I/O
// above per target (engine_io_*) and reports the pool's space.
func checkTelemetry(ctx context.Context, t *testing.T, c *Cluster, port int) {
	t.Helper()
	url := fmt.Sprintf("http://%s/metrics", net.JoinHostPort(c.Servers[0].IP, strconv.Itoa(port)))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("telemetry: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("telemetry: %s: %v\n%s", resp.Status, err, body)
	}
	counted := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		for _, op := range []string{"update", "fetch"} {
			if strings.HasPrefix(line, "engine_io_ops_total{") && strings.Contains(line, `op="`+op+`"`) {
				f := strings.Fields(line)
				v, err := strconv.ParseFloat(f[len(f)-1], 64)
				if err != nil {
					t.Fatalf("telemetry: bad sample %q", line)
				}
				counted[op] += v
			}
		}
	}
	if counted["update"] == 0 || counted["fetch"] == 0 {
		t.Errorf("telemetry: rank 0's engine counted %v updates and fetches after the I/O above", counted)
	}
	if !strings.Contains(string(body), "engine_pool_space_bytes{") {
		t.Errorf("telemetry: no engine_pool_space_bytes in\n%s", body)
	}
	out, err := c.Dmg(ctx, "telemetry", "metrics", "query", "-l", c.Servers[0].IP, "-p", strconv.Itoa(port), "-m", "engine_io_ops_total")
	if err != nil || !strings.Contains(out, "engine_io_ops_total") || strings.Contains(out, "engine_pool_space_bytes") {
		t.Errorf("dmg telemetry metrics query -m engine_io_ops_total: %v\n%s", err, out)
	}
}
