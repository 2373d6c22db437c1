//go:build systest

package systest

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/support"
)

// TestPoolAdminOnThreeServers runs dmg's pool administration commands
// against three servers (two targets per engine): properties (a label
// change, then the pool found by its new label; a read-only property
// refused), the ACL (a principal's entry appears and goes), eviction (a
// client's handles close: its I/O fails with DER_NO_HDL at once on every
// engine), exclusion of one target (pool query shows
// it disabled and a newer map; query-targets shows it down) and its
// reintegration (up, waiting for a rebuild this build does not run);
// upgrade of a pool already at the latest layout; extend by a fourth
// server's rank (8 targets, the new ones up).
func TestPoolAdminOnThreeServers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := t.TempDir()
	if err := Build(ctx, bin); err != nil {
		t.Fatal(err)
	}
	// A fourth server starts only at the end, for pool extend.
	c, err := NewTargets(bin, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Three management service replicas (their number must be odd): the
	// fourth server is not one.
	reps := regexp.MustCompile(`(?m)^mgmt_svc_replicas: .*$`)
	line := "mgmt_svc_replicas: " + quoteList([]string{c.Servers[0].Addr, c.Servers[1].Addr, c.Servers[2].Addr})
	for _, s := range c.Servers {
		b, err := os.ReadFile(s.Config)
		if err != nil {
			t.Fatal(err)
		}
		// Logs in files, for the support collect-log step.
		b = append(reps.ReplaceAll(b, []byte(line)), []byte("control_log_file: "+filepath.Join(s.Dir, "control.log")+"\n")...)
		b = []byte(strings.Replace(string(b), "  nr_xs_helpers: 0\n",
			"  nr_xs_helpers: 0\n  log_file: "+filepath.Join(s.Dir, "engine.log")+"\n", 1))
		if err := os.WriteFile(s.Config, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if err := c.Start(i, true); err != nil {
			t.Fatal(err)
		}
	}
	waitJoined(ctx, t, c, 3)
	createPool(ctx, t, c, "-s", "256MiB", "-n", "1GiB", "--nsvc", "3", "tank")
	dmg := func(args ...string) string {
		t.Helper()
		out, err := c.Dmg(ctx, args...)
		if err != nil {
			t.Fatalf("%v\n%s\n%s", err, out, c.Logs())
		}
		t.Logf("dmg %s:\n%s", strings.Join(args, " "), out)
		return out
	}

	// More NVMe than the engines have (8 GiB of file bdev each) is
	// refused, in DAOS's terms, and leaves no pool behind.
	if out, err := c.Dmg(ctx, "-j", "pool", "create", "-s", "256MiB", "-n", "64TiB", "huge"); err == nil ||
		!strings.Contains(out, `"status": -1007`) {
		t.Fatalf("pool create of 64 TiB of NVMe per engine: %v\n%s", err, out)
	}
	if out := dmg("pool", "list"); strings.Contains(out, "huge") {
		t.Fatalf("a refused pool create left a pool:\n%s", out)
	}

	// support collect-log: one archive with each running host's control
	// and engine logs and the admin part.
	three := c.Servers[0].Addr + "," + c.Servers[1].Addr + "," + c.Servers[2].Addr
	collected := filepath.Join(t.TempDir(), "collect")
	dmg("-l", three, "support", "collect-log", "-t", collected, "-z")
	names, err := support.Extract(collected+".tar.gz", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"collect/admin/system-query.txt", "collect/admin/pool-list.txt"}
	for _, s := range c.Servers[:3] {
		h := "collect/" + support.HostDir(s.Addr) + "/"
		want = append(want, h+"logs/control/control.log", h+"logs/engine0/engine.log", h+support.SummaryName)
	}
	for _, w := range want {
		if !slices.Contains(names, w) {
			t.Fatalf("support collect-log archive lacks %s; it has %v", w, names)
		}
	}

	// SMD: every rank lists its file bdev with a UUID that stays the same
	// from one call to the next, and the pool on its two targets. The
	// fourth server is not running yet, so it is left out.
	devs := smdDevices(t, dmg, three)
	if len(devs) != 3 {
		t.Fatalf("list-devices: want one device on each of ranks 0-2, got %v", devs)
	}
	if again := smdDevices(t, dmg, three); !reflect.DeepEqual(devs, again) {
		t.Fatalf("list-devices: device UUIDs changed between calls: %v, then %v", devs, again)
	}
	if out := dmg("storage", "query", "list-devices", "-l", three, "-b", "-r", "0"); !strings.Contains(out, "State:NORMAL") ||
		!strings.Contains(out, "Total Size:8 GiB") || !strings.Contains(out, "Unavailable: temperature") {
		t.Fatalf("list-devices -b -r 0:\n%s", out)
	}
	var lp struct {
		Response struct {
			HostStorageMap map[string]struct {
				Storage struct {
					SmdInfo struct {
						Pools []struct {
							UUID   string  `json:"uuid"`
							Label  string  `json:"label"`
							Rank   *uint32 `json:"rank"`
							TgtIDs []int32 `json:"tgt_ids"`
						} `json:"pools"`
					} `json:"smd_info"`
				} `json:"storage"`
			} `json:"host_storage_map"`
		} `json:"response"`
	}
	if out := dmg("-j", "storage", "query", "list-pools", "-l", three); json.Unmarshal([]byte(out), &lp) != nil {
		t.Fatalf("list-pools -j:\n%s", out)
	}
	poolRanks := map[uint32]bool{}
	for _, h := range lp.Response.HostStorageMap {
		for _, p := range h.Storage.SmdInfo.Pools {
			if p.Label != "tank" || p.Rank == nil || !reflect.DeepEqual(p.TgtIDs, []int32{0, 1}) {
				t.Fatalf("list-pools: unexpected pool %+v", p)
			}
			poolRanks[*p.Rank] = true
		}
	}
	if len(poolRanks) != 3 {
		t.Fatalf("list-pools: the pool is on ranks %v, want 0-2", poolRanks)
	}

	// Engine log masks: the leader's engine (which serves the pool calls
	// the management service makes) goes to DEBUG, logs a pool query's
	// dRPC, and goes back to its configured ERR.
	leader, _, err := c.Leader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var lead *Server
	for _, s := range c.Servers {
		if s.Addr == leader {
			lead = s
		}
	}
	if lead == nil {
		t.Fatalf("leader %q is not one of the servers", leader)
	}
	debugLine := regexp.MustCompile(`level=DEBUG msg="dRPC call answered" .*method=223 `)
	if debugLine.MatchString(lead.FullLog()) {
		t.Fatalf("an engine logged DEBUG under its configured ERR mask:\n%s", lead.FullLog())
	}
	if out := dmg("server", "set-logmasks", "-l", leader, "-m", "DEBUG"); !regexp.MustCompile(`\s0\s+DEBUG\s`).MatchString(out) {
		t.Fatalf("set-logmasks did not report DEBUG:\n%s", out)
	}
	dmg("pool", "query", "tank")
	for !debugLine.MatchString(lead.FullLog()) {
		if ctx.Err() != nil {
			t.Fatalf("no DEBUG line for the pool query in the engine's log:\n%s", lead.FullLog())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if out := dmg("server", "slm", "-l", leader); !regexp.MustCompile(`\s0\s+ERR\s`).MatchString(out) {
		t.Fatalf("set-logmasks without masks did not reset to ERR:\n%s", out)
	}

	// Properties.
	props := func(pool string, names ...string) map[string]string {
		t.Helper()
		var r struct {
			Response []struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			} `json:"response"`
		}
		out := dmg(append([]string{"-j", "pool", "get-prop", pool}, names...)...)
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("get-prop -j: %v\n%s", err, out)
		}
		m := map[string]string{}
		for _, p := range r.Response {
			m[p.Name] = p.Value
		}
		return m
	}
	if p := props("tank"); p["label"] != "tank" || p["svc_list"] != "[0-2]" || p["rd_fac"] == "" {
		t.Fatalf("get-prop: %v", p)
	}
	if out := dmg("pool", "get-prop", "tank", "label"); !strings.Contains(out, "tank") || !strings.Contains(out, "pool label (label)") {
		t.Fatalf("get-prop label:\n%s", out)
	}
	dmg("pool", "set-prop", "tank", "label:lake,rd_fac:1")
	if p := props("lake", "label", "rd_fac"); p["label"] != "lake" || p["rd_fac"] != "1" {
		t.Fatalf("get-prop after set-prop: %v", p)
	}
	if out, err := c.Dmg(ctx, "pool", "query", "lake"); err != nil || !strings.Contains(out, "ntarget=6") {
		t.Fatalf("query by the new label: %v\n%s", err, out)
	}
	if out, err := c.Dmg(ctx, "pool", "query", "tank"); err == nil {
		t.Fatalf("query by the old label succeeded:\n%s", out)
	}
	if out, err := c.Dmg(ctx, "pool", "set-prop", "lake", "global_version:9"); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("set-prop of a read-only property: %v\n%s", err, out)
	}

	// ACL.
	if out := dmg("pool", "get-acl", "lake"); !strings.Contains(out, "A::OWNER@:rw") || strings.Contains(out, "bob@") {
		t.Fatalf("get-acl:\n%s", out)
	}
	if out := dmg("pool", "update-acl", "lake", "-e", "A::bob@:r"); !strings.Contains(out, "A::bob@:r") {
		t.Fatalf("update-acl:\n%s", out)
	}
	if out := dmg("pool", "get-acl", "lake"); !strings.Contains(out, "A::bob@:r") {
		t.Fatalf("get-acl after update:\n%s", out)
	}
	dmg("pool", "delete-acl", "lake", "-p", "u:bob@")
	if out := dmg("pool", "get-acl", "lake"); strings.Contains(out, "bob@") || !strings.Contains(out, "A::OWNER@:rw") {
		t.Fatalf("get-acl after delete:\n%s", out)
	}
	if out, err := c.Dmg(ctx, "pool", "delete-acl", "lake", "-p", "u:bob@"); err == nil || !strings.Contains(err.Error(), "DER_NONEXIST") {
		t.Fatalf("delete of an absent entry: %v\n%s", err, out)
	}

	// Evict a client's handles.
	actx, acancel := context.WithTimeout(ctx, 20*time.Second)
	defer acancel()
	a, err := c.StartAgent(actx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	cli := newClient(actx, t, a)
	if cli.ranks != 3 {
		t.Fatalf("attach info names %d ranks, not 3", cli.ranks)
	}
	pool, err := cli.connect(ctx, "lake", client.RW)
	if err != nil {
		t.Fatalf("connect: %v\n%s", err, c.Logs())
	}
	if _, err := pool.CreateContainer(ctx, "c1", "POSIX", nil); err != nil {
		t.Fatal(err)
	}
	cont, err := pool.OpenContainer(ctx, "c1", client.RW)
	if err != nil {
		t.Fatal(err)
	}
	first, err := cont.AllocOIDs(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	oid, err := placement.GenerateOID(daos.ObjectID{Lo: first}, placement.OTMultiHashed, placement.Name2ID("SX"), 0, pool.View.Map().Shape(0))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := cont.Object(oid)
	if err != nil {
		t.Fatal(err)
	}
	update := func(i int) error {
		val := []byte("value " + strconv.Itoa(i))
		_, err := obj.Update(ctx, []byte("k"+strconv.Itoa(i%8)), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: uint64(len(val))}}, [][]byte{val}, 0)
		return err
	}
	for i := 0; i < 8; i++ {
		if err := update(i); err != nil {
			t.Fatalf("update before evict: %v", err)
		}
	}
	if info, err := pool.Query(ctx); err != nil || info.Handles != 1 {
		t.Fatalf("pool query before evict: %+v %v", info, err)
	}
	if out := dmg("pool", "evict", "lake"); !strings.Contains(out, "succeeded") {
		t.Fatalf("evict:\n%s", out)
	}
	evicted := time.Now()
	pool2, err := cli.connect(ctx, "lake", client.RO)
	if err != nil {
		t.Fatalf("connect after evict: %v", err)
	}
	if info, err := pool2.Query(ctx); err != nil || info.Handles != 1 {
		t.Fatalf("pool query after evict: %+v %v (want only the new handle)", info, err)
	}
	// The pool service revokes the evicted container handles on every
	// engine before the evict returns: the next I/O through them fails
	// at once, whichever engine it goes to.
	for i := 0; i < 8; i++ {
		if err := update(i); !errors.Is(err, daos.ErrNoHdl) {
			t.Fatalf("I/O %d through an evicted handle %s after the evict: %v, want DER_NO_HDL", i,
				time.Since(evicted).Round(time.Millisecond), err)
		}
	}
	t.Logf("I/O through the evicted handle refused %s after the evict", time.Since(evicted).Round(time.Millisecond))

	// Exclude one target, then reintegrate it.
	version := regexp.MustCompile(`version=(\d+)`)
	query := func() (string, int) {
		t.Helper()
		out := dmg("pool", "query", "lake")
		m := version.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no map version in pool query:\n%s", out)
		}
		v, _ := strconv.Atoi(m[1])
		return out, v
	}
	before, v0 := query()
	if !strings.Contains(before, "disabled=0") {
		t.Fatalf("pool query before exclude:\n%s", before)
	}
	if out := dmg("pool", "exclude", "lake", "--ranks", "2", "--target-idx", "1"); !strings.Contains(out, "Exclude command succeeded") {
		t.Fatalf("exclude:\n%s", out)
	}
	after, v1 := query()
	if !strings.Contains(after, "ntarget=6, disabled=1") || v1 <= v0 {
		t.Fatalf("pool query after exclude (version %d before):\n%s", v0, after)
	}
	tq := dmg("pool", "query-targets", "lake", "--rank", "2")
	if !strings.Contains(tq, "state up_in") || !strings.Contains(tq, "state down\n") || !strings.Contains(tq, "Total size") {
		t.Fatalf("query-targets after exclude:\n%s", tq)
	}
	if out := dmg("pool", "reintegrate", "lake", "--ranks", "2", "--target-idx", "1"); !strings.Contains(out, "Reintegration command succeeded") {
		t.Fatalf("reintegrate:\n%s", out)
	}
	reint, v2 := query()
	if !strings.Contains(reint, "disabled=0") || v2 <= v1 {
		t.Fatalf("pool query after reintegrate (version %d before):\n%s", v1, reint)
	}
	if tq := dmg("pool", "query-targets", "lake", "--rank", "2", "--target-idx", "1"); !strings.Contains(tq, "state up\n") {
		t.Fatalf("query-targets after reintegrate (UP until a rebuild):\n%s", tq)
	}
	// system reintegrate acts on every pool where the rank has targets
	// down (lake here, after an exclude).
	if out := dmg("pool", "exclude", "lake", "--ranks", "2", "--target-idx", "0"); !strings.Contains(out, "Exclude command succeeded") {
		t.Fatalf("exclude:\n%s", out)
	}
	if out := dmg("system", "reintegrate", "--ranks", "2"); !strings.Contains(out, "lake") || !strings.Contains(out, "OK") {
		t.Fatalf("system reintegrate:\n%s", out)
	}
	if back, _ := query(); !strings.Contains(back, "disabled=0") {
		t.Fatalf("pool query after system reintegrate:\n%s", back)
	}
	v2 = func() int { _, v := query(); return v }()
	if out := dmg("pool", "upgrade", "lake"); !strings.Contains(out, "succeeded") {
		t.Fatalf("upgrade of a pool at the latest layout:\n%s", out)
	}
	if out, err := c.Dmg(ctx, "pool", "extend", "lake", "--ranks", "1"); err == nil {
		t.Fatalf("extend of a rank already in the pool succeeded:\n%s", out)
	}

	// Extend by a fourth server's rank: its targets join the pool, UP
	// (no rebuild yet), in a newer map.
	if err := c.Start(3, true); err != nil {
		t.Fatal(err)
	}
	jctx, jcancel := context.WithTimeout(ctx, 30*time.Second)
	defer jcancel()
	if _, err := c.WaitMembers(jctx, AllIn(4, "joined")); err != nil {
		t.Fatalf("fourth rank did not join: %v\n%s", err, c.Logs())
	}
	// The engines learn rank 3's address from the next group map.
	var out string
	for try := 0; ; try++ {
		out, err = c.Dmg(ctx, "pool", "extend", "lake", "--ranks", "3")
		if err == nil || try == 20 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil || !strings.Contains(out, "Extend command succeeded") {
		t.Fatalf("extend: %v\n%s\n%s", err, out, c.Logs())
	}
	t.Logf("dmg pool extend lake --ranks 3:\n%s", out)
	ext, v3 := query()
	if !strings.Contains(ext, "ntarget=8, disabled=0") || v3 <= v2 {
		t.Fatalf("pool query after extend (version %d before):\n%s", v2, ext)
	}
	// (query-targets of rank 3 waits for the management service to
	// record the pool's new ranks: its pool directory still lists the
	// ranks of the create.)

	// system drain acts on every pool that has the rank in.
	if out := dmg("system", "drain", "--ranks", "1"); !strings.Contains(out, "lake") || !strings.Contains(out, "OK") {
		t.Fatalf("system drain:\n%s", out)
	}
	if tq := dmg("pool", "query-targets", "lake", "--rank", "1"); !strings.Contains(tq, "state drain") {
		t.Fatalf("query-targets after system drain:\n%s", tq)
	}
}

// smdDevices runs `dmg -j storage query list-devices` and returns each
// rank's device UUIDs.
func smdDevices(t *testing.T, dmg func(args ...string) string, hosts string) map[uint32][]string {
	t.Helper()
	var r struct {
		Response struct {
			HostStorageMap map[string]struct {
				Storage struct {
					SmdInfo struct {
						Devices []struct {
							UUID  string  `json:"uuid"`
							Rank  *uint32 `json:"rank"`
							State string  `json:"dev_state"`
						} `json:"devices"`
					} `json:"smd_info"`
				} `json:"storage"`
			} `json:"host_storage_map"`
		} `json:"response"`
	}
	out := dmg("-j", "storage", "query", "list-devices", "-l", hosts)
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("list-devices -j: %v\n%s", err, out)
	}
	devs := map[uint32][]string{}
	for _, h := range r.Response.HostStorageMap {
		for _, d := range h.Storage.SmdInfo.Devices {
			if d.Rank == nil || d.State != "NORMAL" || d.UUID == "" {
				t.Fatalf("list-devices: unexpected device %+v\n%s", d, out)
			}
			devs[*d.Rank] = append(devs[*d.Rank], d.UUID)
		}
	}
	return devs
}
