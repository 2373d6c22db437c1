//go:build systest

package systest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
)

// cliReply is the daos tool's JSON envelope.
type cliReply struct {
	Response json.RawMessage `json:"response"`
	Error    *string         `json:"error"`
	Status   int             `json:"status"`
}

// TestDaosCLIOnThreeServers runs the daos tool as a user would, with
// only daos_agent's socket to go by: containers made, listed, queried and
// destroyed on a pool that dmg created, and the pool queried, in text and
// JSON, with DAOS error codes in the JSON replies.
func TestDaosCLIOnThreeServers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	bin := t.TempDir()
	if err := Build(ctx, bin); err != nil {
		t.Fatal(err)
	}
	c, err := New(bin, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range c.Servers {
		if err := c.Start(i, true); err != nil {
			t.Fatal(err)
		}
	}
	sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
	defer scancel()
	if _, err := c.WaitMembers(sctx, AllIn(3, "joined")); err != nil {
		t.Fatalf("ranks did not join: %v\n%s", err, c.Logs())
	}
	var out string
	for try := 0; ; try++ {
		out, err = c.Dmg(ctx, "pool", "create", "-s", "256MiB", "-n", "1GiB", "tank")
		if err == nil || try == 20 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("pool create: %v\n%s\n%s", err, out, c.Logs())
	}
	a := startAgent(ctx, t, c)
	defer a.Stop()

	daosCmd := func(dir string, args ...string) (stdout, stderr string, err error) {
		cctx, ccancel := context.WithTimeout(ctx, time.Minute)
		defer ccancel()
		cmd := exec.CommandContext(cctx, filepath.Join(bin, "daos"), args...)
		cmd.Env = append(os.Environ(), "DAOS_AGENT_DRPC_DIR="+dir)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err = cmd.Run()
		return o.String(), e.String(), err
	}
	agentDir := filepath.Dir(a.Socket)
	run := func(args ...string) string {
		t.Helper()
		o, e, err := daosCmd(agentDir, args...)
		if err != nil {
			t.Fatalf("daos %s: %v\n%s%s\n%s", strings.Join(args, " "), err, o, e, c.Logs())
		}
		t.Logf("daos %s:\n%s", strings.Join(args, " "), o)
		return o
	}
	runJSON := func(wantStatus int, out any, args ...string) cliReply {
		t.Helper()
		o, e, err := daosCmd(agentDir, append(args, "-j")...)
		var r cliReply
		if jErr := json.Unmarshal([]byte(o), &r); jErr != nil {
			t.Fatalf("daos %s -j: not a JSON reply (%v, %v):\n%s%s", strings.Join(args, " "), jErr, err, o, e)
		}
		if r.Status != wantStatus || (err == nil) != (wantStatus == 0) {
			t.Fatalf("daos %s -j: status %d (exit %v), want %d:\n%s%s", strings.Join(args, " "), r.Status, err, wantStatus, o, e)
		}
		if out != nil {
			if err := json.Unmarshal(r.Response, out); err != nil {
				t.Fatalf("daos %s -j: response: %v\n%s", strings.Join(args, " "), err, o)
			}
		}
		return r
	}

	// Without an agent the tool says where it looked.
	_, e, err := daosCmd(t.TempDir(), "pool", "query", "tank")
	if err == nil || !strings.Contains(e, "daos_agent not reachable at") {
		t.Errorf("no agent: %v %s", err, e)
	}

	o := run("pool", "query", "tank")
	if !strings.Contains(o, "ntarget=") || !strings.Contains(o, "state=Ready") || !strings.Contains(o, "Pool label: tank") {
		t.Errorf("pool query:\n%s", o)
	}

	// Health: the system and the pool check out, and every engine answers
	// the fabric self-test.
	o = run("health", "check")
	if !strings.Contains(o, "Engine Ranks    : [0-2]") || !strings.Contains(o, "tank: Ready") || !strings.Contains(o, "Health check passed") {
		t.Errorf("health check:\n%s", o)
	}
	var nt []struct {
		Rank  uint32 `json:"rank"`
		Test  string `json:"test"`
		Calls int    `json:"calls"`
	}
	runJSON(0, &nt, "health", "net-test", "-c", "100", "-s", "64,4m")
	if len(nt) != 6 {
		t.Errorf("net-test: %d rows, want 3 ranks x 2 sizes: %+v", len(nt), nt)
	}
	for _, r := range nt {
		if r.Calls != 100 || (r.Test != "rpc ping" && r.Test != "bulk pull") {
			t.Errorf("net-test row %+v", r)
		}
	}
	var pi struct {
		UUID         string `json:"uuid"`
		Label        string `json:"label"`
		TotalTargets int    `json:"total_targets"`
		TotalEngines int    `json:"total_engines"`
	}
	runJSON(0, &pi, "pool", "query", "tank")
	if pi.Label != "tank" || pi.TotalEngines != 3 || pi.TotalTargets == 0 || pi.UUID == "" {
		t.Errorf("pool query -j: %+v", pi)
	}
	runJSON(-1005, nil, "pool", "query", "nosuchpool")

	o = run("container", "create", "tank", "c1", "--type", "posix", "-z", "4MiB", "--properties", "rd_fac:0")
	if !strings.Contains(o, "Successfully created container") || !strings.Contains(o, "POSIX") {
		t.Errorf("container create:\n%s", o)
	}
	var ci struct {
		PoolUUID  string `json:"pool_uuid"`
		UUID      string `json:"container_uuid"`
		Label     string `json:"container_label"`
		Type      string `json:"container_type"`
		ChunkSize uint64 `json:"chunk_size"`
	}
	runJSON(0, &ci, "cont", "create", "tank", "c2", "-t", "HDF5")
	if ci.Label != "c2" || ci.Type != "HDF5" || ci.PoolUUID != pi.UUID || ci.UUID == "" {
		t.Errorf("container create -j: %+v", ci)
	}
	c2 := ci.UUID
	runJSON(-1004, nil, "container", "create", "tank", "c1") // DER_EXIST
	runJSON(-1003, nil, "container", "create", "tank", "c3", "--properties", "nosuch:1")

	o = run("pool", "list-containers", "tank")
	if !strings.Contains(o, "c1") || !strings.Contains(o, "c2") {
		t.Errorf("pool list-containers:\n%s", o)
	}
	var list []struct {
		Label string `json:"container_label"`
	}
	runJSON(0, &list, "container", "list", "tank")
	if len(list) != 2 {
		t.Errorf("container list -j: %+v", list)
	}

	o = run("container", "query", "tank", "c1")
	if !strings.Contains(o, "Container Label") || !strings.Contains(o, "c1") || !strings.Contains(o, "4 MiB") {
		t.Errorf("container query:\n%s", o)
	}
	runJSON(0, &ci, "container", "query", "tank", c2)
	if ci.Label != "c2" || ci.Type != "HDF5" {
		t.Errorf("container query -j by UUID: %+v", ci)
	}
	var props []struct{ Name, Value string }
	runJSON(0, &props, "container", "get-prop", "tank", "c1", "layout_type,chunk_size")
	if len(props) != 2 || props[0].Value != "POSIX" || props[1].Value != "4194304" {
		t.Errorf("container get-prop -j: %+v", props)
	}
	runJSON(-1005, nil, "container", "query", "tank", "nosuch")

	checkAttrsPropsSnapsObjects(t, run, runJSON)
	checkListsTargetsACLs(t, run, runJSON, pi.UUID, c2)
	checkDmgContSetOwner(ctx, t, c, run, runJSON, pi.UUID, c2)

	// Clone: files put in c1 through DFS read the same from the clone,
	// which must be new.
	tree := filepath.Join(t.TempDir(), "tree")
	if err := os.MkdirAll(filepath.Join(tree, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, n := range []int{0, 100, 5<<20 + 3} {
		b := bytes.Repeat([]byte{byte('a' + i)}, n)
		if err := os.WriteFile(filepath.Join(tree, "sub", fmt.Sprintf("f%d", i)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run("fs", "copy", "--src", tree, "--dst", "daos://tank/c1")
	o = run("container", "clone", "--src", "daos://tank/c1", "--dst", "daos://tank/c1copy")
	if !strings.Contains(o, "Successfully cloned daos://tank/c1 to daos://tank/c1copy") {
		t.Errorf("container clone:\n%s", o)
	}
	back := t.TempDir()
	run("fs", "copy", "-s", "daos://tank/c1copy/tree", "-d", back)
	for i := range 3 {
		want, _ := os.ReadFile(filepath.Join(tree, "sub", fmt.Sprintf("f%d", i)))
		got, err := os.ReadFile(filepath.Join(back, "tree", "sub", fmt.Sprintf("f%d", i)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("clone f%d: %d bytes (want %d), %v", i, len(got), len(want), err)
		}
	}
	// The clone holds c1's objects under their ids: it allocates above
	// c1's highest.
	var srcOID, dstOID []struct{ Name, Value string }
	runJSON(0, &srcOID, "container", "get-prop", "tank", "c1", "alloced_oid")
	runJSON(0, &dstOID, "container", "get-prop", "tank", "c1copy", "alloced_oid")
	if len(srcOID) != 1 || len(dstOID) != 1 {
		t.Errorf("alloced_oid: c1 %+v, clone %+v", srcOID, dstOID)
	} else if s, _ := strconv.ParseUint(srcOID[0].Value, 10, 64); s == 0 {
		t.Errorf("alloced_oid: c1 %+v allocated nothing", srcOID)
	} else if d, _ := strconv.ParseUint(dstOID[0].Value, 10, 64); d < s {
		t.Errorf("alloced_oid: the clone's %d is below c1's %d", d, s)
	}
	runJSON(-1004, nil, "container", "clone", "--src", "daos://tank/c1", "--dst", "daos://tank/c1copy") // DER_EXIST
	o = run("container", "check", "tank", "c1copy")
	if !strings.Contains(o, "No problems found") || !strings.Contains(o, "bytes read") {
		t.Errorf("container check:\n%s", o)
	}
	o = run("fs", "check", "tank", "c1copy", "-f", "print,verify,evict")
	if !strings.Contains(o, "No leaked objects") || !strings.Contains(o, "0 problem(s)") || !strings.Contains(o, "Evicted") {
		t.Errorf("fs check:\n%s", o)
	}
	// Repairs open the container exclusively (nobody else has it open).
	o = run("fs", "check", "tank", "c1copy", "-f", "relink", "-n", "none")
	if !strings.Contains(o, "No leaked objects") {
		t.Errorf("fs check -f relink:\n%s", o)
	}
	run("container", "destroy", "tank", "c1copy")
	// Create's extras: user attributes and the DFS mode.
	run("container", "create", "tank", "cx", "--type", "POSIX", "--properties", "rd_fac:0", "-M", "balanced", "-a", "team:storage")
	if o = run("container", "get-attr", "tank", "cx", "team"); !strings.Contains(o, "storage") {
		t.Errorf("create -a:\n%s", o)
	}
	run("container", "destroy", "tank", "cx")

	o = run("container", "destroy", "tank", "c1")
	if !strings.Contains(o, "Successfully destroyed container c1") {
		t.Errorf("container destroy:\n%s", o)
	}
	runJSON(0, nil, "container", "destroy", "tank", c2, "--force")
	runJSON(-1005, nil, "container", "destroy", "tank", "c1")
	runJSON(0, &list, "container", "list", "tank")
	if len(list) != 0 {
		t.Errorf("containers left: %+v", list)
	}
	// Every command disconnected: the pool has no handles left.
	var after struct {
		Handles    int `json:"active_handles"`
		Containers int `json:"containers"`
	}
	runJSON(0, &after, "pool", "query", "tank")
	if after.Handles != 1 || after.Containers != 0 {
		t.Errorf("pool after: %+v (want only the query's own handle)", after)
	}
}

// checkAttrsPropsSnapsObjects runs the attribute, set-prop, snapshot and
// object layout commands against pool tank and its container c1.
func checkAttrsPropsSnapsObjects(t *testing.T, run func(args ...string) string,
	runJSON func(wantStatus int, out any, args ...string) cliReply) {
	t.Helper()
	type attr struct {
		Name  string `json:"name"`
		Value []byte `json:"value"`
	}
	// Pool attributes, through a pool handle connected RW.
	run("pool", "set-attr", "tank", "owner.team", "storage")
	runJSON(0, nil, "pool", "set-attr", "tank", "note", "two words")
	o := run("pool", "get-attr", "tank", "owner.team")
	if !strings.Contains(o, "storage") {
		t.Errorf("pool get-attr:\n%s", o)
	}
	var attrs []attr
	runJSON(0, &attrs, "pool", "list-attr", "tank", "-V")
	if len(attrs) != 2 || attrs[0].Name != "note" || string(attrs[0].Value) != "two words" || string(attrs[1].Value) != "storage" {
		t.Errorf("pool list-attr -V -j: %+v", attrs)
	}
	runJSON(-1005, nil, "pool", "get-attr", "tank", "nosuch")
	runJSON(0, nil, "pool", "del-attr", "tank", "note")
	attrs = nil
	runJSON(0, &attrs, "pool", "list-attr", "tank")
	if len(attrs) != 1 || attrs[0].Name != "owner.team" {
		t.Errorf("pool list-attr after del-attr: %+v", attrs)
	}
	runJSON(-1005, nil, "pool", "del-attr", "tank", "note")

	// Container attributes.
	run("container", "set-attr", "tank", "c1", "k1", "v1")
	attrs = nil
	runJSON(0, &attrs, "container", "get-attr", "tank", "c1", "k1")
	if len(attrs) != 1 || string(attrs[0].Value) != "v1" {
		t.Errorf("container get-attr -j: %+v", attrs)
	}
	o = run("container", "list-attr", "tank", "c1")
	if !strings.Contains(o, "k1") {
		t.Errorf("container list-attr:\n%s", o)
	}
	run("container", "del-attr", "tank", "c1", "k1")
	runJSON(-1005, nil, "container", "get-attr", "tank", "c1", "k1")

	// set-prop: the label changes; a create-only property is refused.
	run("container", "set-prop", "tank", "c1", "label:c1renamed")
	var props []struct{ Name, Value string }
	runJSON(0, &props, "container", "get-prop", "tank", "c1renamed", "label")
	if len(props) != 1 || props[0].Value != "c1renamed" {
		t.Errorf("label after set-prop: %+v", props)
	}
	r := runJSON(-1003, nil, "container", "set-prop", "tank", "c1renamed", "rd_fac:1")
	if r.Error == nil || !strings.Contains(*r.Error, "rd_fac") {
		t.Errorf("set-prop rd_fac: %+v", r)
	}
	run("container", "set-prop", "tank", "c1renamed", "label:c1,status:healthy")

	// Snapshots.
	type snap struct {
		Epoch uint64 `json:"epoch"`
		Name  string `json:"name"`
	}
	var s1, s2, s3 snap
	runJSON(0, &s1, "container", "create-snap", "tank", "c1")
	runJSON(0, &s2, "container", "create-snap", "tank", "c1", "--snap", "named")
	o = run("container", "create-snap", "tank", "c1")
	if !strings.Contains(o, "has been created") {
		t.Errorf("create-snap:\n%s", o)
	}
	runJSON(-1004, nil, "container", "create-snap", "tank", "c1", "-s", "named")
	var snaps []snap
	runJSON(0, &snaps, "container", "list-snaps", "tank", "c1")
	if len(snaps) != 3 || snaps[0].Epoch != s1.Epoch || snaps[1] != s2 || s2.Name != "named" || !(s1.Epoch < s2.Epoch) {
		t.Fatalf("list-snaps -j: %+v (created %+v %+v)", snaps, s1, s2)
	}
	s3 = snaps[2]
	runJSON(0, nil, "container", "destroy-snap", "tank", "c1", "-s", "named")
	run("container", "destroy-snap", "tank", "c1", "--epc", fmt.Sprintf("%#x", s1.Epoch))
	runJSON(-1005, nil, "container", "destroy-snap", "tank", "c1", "-e", fmt.Sprint(s1.Epoch))
	var destroyed struct {
		Epochs []uint64 `json:"epochs"`
	}
	runJSON(0, &destroyed, "container", "destroy-snap", "tank", "c1", "-r", fmt.Sprintf("%d-%d", s1.Epoch, s3.Epoch))
	if len(destroyed.Epochs) != 1 || destroyed.Epochs[0] != s3.Epoch {
		t.Errorf("destroy-snap --epcrange: %+v", destroyed)
	}
	snaps = nil
	runJSON(0, &snaps, "container", "list-snaps", "tank", "c1")
	if len(snaps) != 0 {
		t.Errorf("snapshots left: %+v", snaps)
	}

	// Object layouts: an SX object spreads over every engine's target
	// (its class reads back resolved, as S3), an S1 object sits on one.
	shape := placement.PoolShape{Targets: 3, Domains: 3}
	type layout struct {
		OID    string `json:"oid"`
		Class  string `json:"class"`
		Groups int    `json:"groups"`
		Shards []struct {
			Replicas []struct {
				Rank   uint32 `json:"rank"`
				Target int    `json:"target"`
			} `json:"replicas"`
		} `json:"shards"`
	}
	sx, err := placement.GenerateOID(daos.ObjectID{Lo: 1}, placement.OTMultiHashed, placement.Name2ID("SX"), 0, shape)
	if err != nil {
		t.Fatal(err)
	}
	var l layout
	runJSON(0, &l, "object", "query", "tank", "c1", sx.String())
	ranks := map[uint32]bool{}
	for _, sh := range l.Shards {
		for _, rp := range sh.Replicas {
			ranks[rp.Rank] = true
			if rp.Target != 0 {
				t.Errorf("object query: target %d on one-target engines", rp.Target)
			}
		}
	}
	if l.OID != sx.String() || l.Class != "S3" || l.Groups != 3 || len(l.Shards) != 3 || len(ranks) != 3 {
		t.Errorf("object query SX -j: %+v", l)
	}
	s1oid, err := placement.GenerateOID(daos.ObjectID{Lo: 2}, placement.OTMultiHashed, placement.Name2ID("S1"), 0, shape)
	if err != nil {
		t.Fatal(err)
	}
	o = run("object", "query", "tank", "c1", s1oid.String())
	if !strings.Contains(o, "class S1 grp_nr: 1") || !strings.Contains(o, "replica 0: rank ") {
		t.Errorf("object query S1:\n%s", o)
	}
	runJSON(-1003, nil, "object", "query", "tank", "c1", "not-an-oid")
}

// checkListsTargetsACLs runs pool list, system query, version,
// query-targets, container stat, the container ACL and owner commands and
// list-objects against pool tank (uuid) on three one-target engines and
// its containers c1 and c2 (by UUID).
func checkListsTargetsACLs(t *testing.T, run func(args ...string) string,
	runJSON func(wantStatus int, out any, args ...string) cliReply, uuid, c2 string) {
	t.Helper()
	// The pools this user can access, queried, and without a query.
	o := run("pool", "list")
	if !strings.Contains(o, "tank") || !strings.Contains(o, "Ready") {
		t.Errorf("pool list:\n%s", o)
	}
	var listed struct {
		Pools []struct {
			UUID         string   `json:"uuid"`
			Label        string   `json:"label"`
			SvcReps      []uint32 `json:"svc_reps"`
			TotalTargets int      `json:"total_targets"`
		} `json:"pools"`
	}
	runJSON(0, &listed, "pool", "list", "-v")
	pools := listed.Pools
	if len(pools) != 1 || pools[0].UUID != uuid || pools[0].Label != "tank" || pools[0].TotalTargets != 3 || len(pools[0].SvcReps) == 0 {
		t.Errorf("pool list -v -j: %+v", pools)
	}
	o = run("pool", "list", "--no-query")
	if !strings.Contains(o, uuid) {
		t.Errorf("pool list -n:\n%s", o)
	}

	var sys struct {
		Name  string `json:"system_name"`
		Ranks []struct {
			Rank uint32 `json:"rank"`
			URI  string `json:"uri"`
		} `json:"rank_uris"`
	}
	runJSON(0, &sys, "system", "query")
	if sys.Name == "" || len(sys.Ranks) != 3 || sys.Ranks[0].URI == "" || sys.Ranks[2].Rank != 2 {
		t.Errorf("system query -j: %+v", sys)
	}
	if o = run("version"); !strings.Contains(o, "daos") {
		t.Errorf("version: %q", o)
	}

	// Target states from the pool service.
	var tgts []struct {
		Rank  uint32 `json:"rank"`
		Index uint32 `json:"target_idx"`
		State string `json:"state"`
	}
	runJSON(0, &tgts, "pool", "query-targets", "tank", "--rank", "1")
	if len(tgts) != 1 || tgts[0].Rank != 1 || tgts[0].State != "UPIN" {
		t.Errorf("pool query-targets -j: %+v", tgts)
	}
	o = run("pool", "query-targets", "tank", "--rank", "2", "--target-idx", "0")
	if !strings.Contains(o, "rank 2, target index 0") || !strings.Contains(o, "State: UPIN") {
		t.Errorf("pool query-targets:\n%s", o)
	}
	runJSON(-1005, nil, "pool", "query-targets", "tank", "--rank", "9")
	runJSON(-1005, nil, "pool", "query-targets", "tank", "--rank", "0", "--target-idx", "1")

	// The same report, but for the times of the latest open and close,
	// which each command's own open and close move on.
	untimed := func(out string) string {
		var keep []string
		for _, l := range strings.Split(out, "\n") {
			if !strings.Contains(l, "Latest open time") && !strings.Contains(l, "Latest close/modify time") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	if q, s := run("container", "query", "tank", "c1"), run("container", "stat", "tank", "c1"); untimed(q) != untimed(s) {
		t.Errorf("container stat differs from query:\n%s\n%s", q, s)
	}

	// Container ACLs through the owner's container handle.
	type acl struct {
		ACL   []string `json:"acl"`
		Owner string   `json:"owner_user"`
		Group string   `json:"owner_group"`
	}
	var a acl
	runJSON(0, &a, "container", "get-acl", "tank", "c1")
	if strings.Join(a.ACL, " ") != "A::OWNER@:rwdtTaAo A:G:GROUP@:rwtT" || a.Owner == "" {
		t.Errorf("get-acl -j: %+v", a)
	}
	runJSON(0, &a, "container", "update-acl", "tank", "c1", "-e", "A::EVERYONE@:r")
	if len(a.ACL) != 3 || a.ACL[2] != "A::EVERYONE@:r" {
		t.Errorf("update-acl -j: %+v", a)
	}
	runJSON(-1003, nil, "container", "update-acl", "tank", "c1", "-e", "A::EVERYONE@:rq")
	o = run("container", "delete-acl", "tank", "c1", "-P", "EVERYONE@")
	if strings.Contains(o, "EVERYONE@") {
		t.Errorf("delete-acl:\n%s", o)
	}
	runJSON(-1005, nil, "container", "delete-acl", "tank", "c1", "-P", "EVERYONE@")
	file := filepath.Join(t.TempDir(), "c1.acl")
	if err := os.WriteFile(file, []byte("# c1\nA::OWNER@:rwdtTaAo\nA:G:GROUP@:r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runJSON(0, &a, "container", "overwrite-acl", "tank", "c1", "-f", file)
	if strings.Join(a.ACL, " ") != "A::OWNER@:rwdtTaAo A:G:GROUP@:r" {
		t.Errorf("overwrite-acl -j: %+v", a)
	}
	o = run("container", "get-acl", "tank", "c1", "-V")
	if !strings.Contains(o, "# Owner: "+a.Owner) || !strings.Contains(o, "A:G:GROUP@:r\n") {
		t.Errorf("get-acl -V:\n%s", o)
	}
	// The owner group changes; the owner keeps its rights.
	run("container", "set-owner", "tank", c2, "-g", "systest-group@", "--no-check")
	runJSON(0, &a, "container", "get-acl", "tank", c2)
	if a.Group != "systest-group@" {
		t.Errorf("set-owner -g: %+v", a)
	}

	// c1 is a POSIX container: `container create --type posix` gave it
	// DFS's layout, whose superblock is its only object so far.
	var oids []string
	runJSON(0, &oids, "container", "list-objects", "tank", "c1")
	if len(oids) != 1 {
		t.Errorf("list-objects: %v (want the DFS superblock only)", oids)
	}

	// Evict through the owner's handle (it keeps its own open), then
	// the container is still usable by a new handle.
	if o = run("container", "evict", "tank", "c1"); !strings.Contains(o, "Evicted this user's handles") {
		t.Errorf("container evict:\n%s", o)
	}
	runJSON(0, nil, "container", "evict", "tank", "c1", "--all")
	runJSON(0, &oids, "container", "list-objects", "tank", "c1")
}

// checkDmgContSetOwner: an administrator changes the owner group, then
// the owner, of container c2 of pool tank with dmg, which needs no
// container handle, so it still works once the daos user running the test
// may no longer open c2; dmg gives c2 back to that user.
func checkDmgContSetOwner(ctx context.Context, t *testing.T, c *Cluster, run func(...string) string,
	runJSON func(int, any, ...string) cliReply, poolUUID, c2 string) {
	t.Helper()
	// get-prop opens the container: only while the user may.
	ownerOf := func() (owner, group string) {
		t.Helper()
		var props []struct{ Name, Value string }
		runJSON(0, &props, "container", "get-prop", "tank", c2, "owner,group")
		for _, p := range props {
			switch p.Name {
			case "owner":
				owner = p.Value
			case "group":
				group = p.Value
			}
		}
		return owner, group
	}
	dmg := func(args ...string) string {
		t.Helper()
		out, err := c.Dmg(ctx, args...)
		if err != nil {
			t.Fatalf("%v\n%s\n%s", err, out, c.Logs())
		}
		return out
	}
	dmgJSON := func(wantStatus int, args ...string) cliReply {
		t.Helper()
		out, err := c.Dmg(ctx, append([]string{"-j"}, args...)...)
		var r cliReply
		if jErr := json.Unmarshal([]byte(out), &r); jErr != nil {
			t.Fatalf("dmg -j %s: not a JSON reply (%v, %v):\n%s", strings.Join(args, " "), jErr, err, out)
		}
		if r.Status != wantStatus || (err == nil) != (wantStatus == 0) {
			t.Fatalf("dmg -j %s: status %d (%v), want %d:\n%s", strings.Join(args, " "), r.Status, err, wantStatus, out)
		}
		return r
	}

	me, _ := ownerOf()
	if me == "" || !strings.HasSuffix(me, "@") {
		t.Fatalf("container get-prop owner: %q", me)
	}
	if out := dmg("container", "set-owner", "tank", "c2", "-g", "systest-admins"); !strings.Contains(out, "Container-set-owner command SUCCEEDED") {
		t.Errorf("dmg container set-owner -g:\n%s", out)
	}
	if o, g := ownerOf(); o != me || g != "systest-admins@" {
		t.Errorf("after dmg container set-owner -g: owner %q group %q", o, g)
	}
	dmg("cont", "set-owner", "tank", "c2", "-u", "systest-other@")
	// Neither OWNER@ nor in GROUP@ any more: the user may not open c2.
	runJSON(-1001, nil, "container", "get-prop", "tank", c2, "owner")
	runJSON(-1001, nil, "container", "get-acl", "tank", c2)

	// By UUIDs, and the user's name without its @: c2 is the user's again.
	r := dmgJSON(0, "cont", "set-owner", poolUUID, c2, "--user", strings.TrimSuffix(me, "@"))
	if string(r.Response) != "null" || r.Error != nil {
		t.Errorf("dmg -j cont set-owner: %+v", r)
	}
	if o, g := ownerOf(); o != me || g != "systest-admins@" {
		t.Errorf("after dmg cont set-owner -u: owner %q group %q, want %q systest-admins@", o, g, me)
	}
	run("container", "set-owner", "tank", c2, "-g", "systest-group@", "--no-check")

	if r := dmgJSON(-1005, "container", "set-owner", "tank", "nosuch", "-u", "bob"); r.Error == nil || !strings.Contains(*r.Error, "nosuch") {
		t.Errorf("unknown container: %+v", r)
	}
	if r := dmgJSON(-1005, "container", "set-owner", "nosuchpool", "c2", "-u", "bob"); r.Error == nil || !strings.Contains(*r.Error, "nosuchpool") {
		t.Errorf("unknown pool: %+v", r)
	}
	dmgJSON(-1003, "container", "set-owner", "tank", "c2", "-g", "two@at@s")
	dmgJSON(-1025, "container", "set-owner", "tank", "c2")
	if o, g := ownerOf(); o != me || g != "systest-group@" {
		t.Errorf("refusals changed c2: owner %q group %q", o, g)
	}
}
