package main

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/dfs"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// attrStore is an in-memory attribute table with the service's rules:
// get of a missing name and delete of a missing name are DER_NONEXIST,
// delete is all or nothing.
type attrStore map[string][]byte

func (a *attrStore) SetAttrs(_ context.Context, kv map[string][]byte) error {
	if *a == nil {
		*a = attrStore{}
	}
	for k, v := range kv {
		(*a)[k] = v
	}
	return nil
}

func (a *attrStore) GetAttrs(_ context.Context, names ...string) (map[string][]byte, error) {
	if len(names) == 0 {
		return map[string][]byte(*a), nil
	}
	out := map[string][]byte{}
	for _, n := range names {
		v, ok := (*a)[n]
		if !ok {
			return nil, daos.Errorf(daos.ErrNonexist, "no attribute %q", n)
		}
		out[n] = v
	}
	return out, nil
}

func (a *attrStore) DelAttrs(_ context.Context, names ...string) error {
	for _, n := range names {
		if _, ok := (*a)[n]; !ok {
			return daos.Errorf(daos.ErrNonexist, "no attribute %q", n)
		}
	}
	for _, n := range names {
		delete(*a, n)
	}
	return nil
}

func (a *attrStore) ListAttrs(context.Context) ([]string, error) {
	var out []string
	for k := range *a {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}

func (f *fakePool) store() *attrStore { return (*attrStore)(&f.attrs) }
func (f *fakePool) SetAttrs(ctx context.Context, kv map[string][]byte) error {
	if f.flags != client.RW {
		return daos.Errorf(daos.ErrNoPerm, "read-only handle")
	}
	return f.store().SetAttrs(ctx, kv)
}
func (f *fakePool) GetAttrs(ctx context.Context, names ...string) (map[string][]byte, error) {
	return f.store().GetAttrs(ctx, names...)
}
func (f *fakePool) DelAttrs(ctx context.Context, names ...string) error {
	if f.flags != client.RW {
		return daos.Errorf(daos.ErrNoPerm, "read-only handle")
	}
	return f.store().DelAttrs(ctx, names...)
}
func (f *fakePool) ListAttrs(ctx context.Context) ([]string, error) { return f.store().ListAttrs(ctx) }

func (f *fakePool) OpenCont(_ context.Context, id string, flags uint64) (contHandle, error) {
	if f.openErr != nil {
		return nil, f.openErr
	}
	if f.cont == nil {
		f.cont = newFakeCont()
	}
	f.cont.id, f.cont.flags, f.cont.closed = id, flags, false
	return f.cont, nil
}

// fakeCont is an open container: attributes, properties and snapshots in
// memory, layouts computed over a real three-rank pool map.
type fakeCont struct {
	attrStore
	id     string
	flags  uint64
	closed bool
	props  map[string]string
	snaps  []poolsvc.Snap
	next   daos.Epoch
	pm     *placement.PoolMap
	acl    *client.ContACL   // made on first use (acl_test.go)
	fs     *dfs.FS           // what MountDFS mounts (filesystem_test.go)
	cc     *client.Container // the client container under fs, for repairs
}

func (c *fakeCont) clientContainer() *client.Container { return c.cc }

func newFakeCont() *fakeCont {
	pm, err := placement.NewPoolMap([]placement.RankSpec{{Rank: 0, Targets: 4, FaultPath: "/n0"},
		{Rank: 1, Targets: 4, FaultPath: "/n1"}, {Rank: 2, Targets: 4, FaultPath: "/n2"}})
	if err != nil {
		panic(err)
	}
	return &fakeCont{next: 0x1000, pm: pm, props: map[string]string{}}
}

func (c *fakeCont) UUIDString() string { return "0d6c7c1e-1111-4222-8333-444455556666" }
func (c *fakeCont) SetProps(_ context.Context, props map[string]string) error {
	for k, v := range props {
		c.props[k] = v
	}
	return nil
}
func (c *fakeCont) CreateSnap(_ context.Context, name string) (daos.Epoch, error) {
	for _, s := range c.snaps {
		if name != "" && s.Name == name {
			return 0, daos.Errorf(daos.ErrExist, "snapshot %q exists", name)
		}
	}
	c.next += 0x10
	c.snaps = append(c.snaps, poolsvc.Snap{Epoch: c.next, Name: name, Time: time.Unix(100, 0)})
	return c.next, nil
}
func (c *fakeCont) ListSnaps(context.Context) ([]poolsvc.Snap, error) { return c.snaps, nil }
func (c *fakeCont) DestroySnap(_ context.Context, e daos.Epoch, name string) error {
	for i, s := range c.snaps {
		if (e == 0 || s.Epoch == e) && (name == "" || s.Name == name) {
			c.snaps = append(c.snaps[:i], c.snaps[i+1:]...)
			return nil
		}
	}
	return daos.Errorf(daos.ErrNonexist, "no such snapshot")
}
func (c *fakeCont) DestroySnapRange(ctx context.Context, lo, hi daos.Epoch) ([]daos.Epoch, error) {
	var done []daos.Epoch
	for _, s := range append([]poolsvc.Snap(nil), c.snaps...) {
		if s.Epoch >= lo && s.Epoch <= hi {
			_ = c.DestroySnap(ctx, s.Epoch, "")
			done = append(done, s.Epoch)
		}
	}
	if len(done) == 0 {
		return nil, daos.Errorf(daos.ErrNonexist, "no snapshot in range")
	}
	return done, nil
}
func (c *fakeCont) ObjectLayout(oid daos.ObjectID) (*placement.Layout, error) {
	return placement.ComputeLayout(c.pm, oid)
}
func (c *fakeCont) Close(context.Context) error { c.closed = true; return nil }

func TestPoolAttrCommands(t *testing.T) {
	f := &fakePool{}
	out, errOut, code := run(t, f, "pool", "set-attr", "tank", "owner.team", "storage group")
	if code != 0 || f.flags != client.RW || string(f.attrs["owner.team"]) != "storage group" || !f.disconnected {
		t.Fatalf("set-attr: %d %s %s %+v", code, out, errOut, f)
	}
	run(t, f, "pool", "set-attr", "tank", "bin", "a\x01b")
	out, _, code = run(t, f, "pool", "get-attr", "tank", "owner.team")
	if code != 0 || f.flags != client.RO || !strings.Contains(out, "owner.team") || !strings.Contains(out, "storage group") || strings.Contains(out, "bin") {
		t.Errorf("get-attr: %s", out)
	}
	out, _, _ = run(t, f, "pool", "get-attr", "tank", "bin")
	if !strings.Contains(out, `"a\x01b"`) {
		t.Errorf("a binary value is not escaped: %s", out)
	}
	out, _, code = run(t, f, "-j", "pool", "get-attr", "tank", "owner.team")
	var attrs []attribute
	if e := decode(t, out); code != 0 || json.Unmarshal(e.Response, &attrs) != nil || len(attrs) != 1 ||
		attrs[0].Name != "owner.team" || string(attrs[0].Value) != "storage group" {
		t.Errorf("JSON get-attr: %s", out)
	}
	out, _, code = run(t, f, "pool", "get-attr", "tank", "nosuch", "-j")
	if e := decode(t, out); code == 0 || e.Status != -1005 {
		t.Errorf("get-attr of a missing name: %s", out)
	}

	out, _, _ = run(t, f, "pool", "list-attr", "tank")
	if !strings.Contains(out, "owner.team") || !strings.Contains(out, "bin") || strings.Contains(out, "storage group") {
		t.Errorf("list-attr: %s", out)
	}
	out, _, _ = run(t, f, "pool", "list-attr", "tank", "-V")
	if !strings.Contains(out, "storage group") || !strings.Contains(out, "Value") {
		t.Errorf("list-attr -V: %s", out)
	}
	out, _, _ = run(t, f, "pool", "list-attr", "tank", "-j")
	attrs = nil
	if e := decode(t, out); json.Unmarshal(e.Response, &attrs) != nil || len(attrs) != 2 || attrs[0].Name != "bin" || attrs[0].Value != nil {
		t.Errorf("JSON list-attr: %s", out)
	}
	out, _, _ = run(t, f, "pool", "list-attr", "tank", "-V", "-j")
	attrs = nil
	if e := decode(t, out); json.Unmarshal(e.Response, &attrs) != nil || len(attrs) != 2 || string(attrs[1].Value) != "storage group" {
		t.Errorf("JSON list-attr -V: %s", out)
	}

	out, _, code = run(t, f, "pool", "del-attr", "tank", "bin", "nosuch", "-j")
	if e := decode(t, out); code == 0 || e.Status != -1005 || f.attrs["bin"] == nil {
		t.Errorf("del-attr of a missing name: %s", out)
	}
	if _, errOut, code := run(t, f, "pool", "del-attr", "tank", "bin"); code != 0 || f.attrs["bin"] != nil || f.flags != client.RW {
		t.Errorf("del-attr: %s", errOut)
	}
	out, _, _ = run(t, f, "pool", "list-attr", "tank", "-j")
	attrs = nil
	if e := decode(t, out); json.Unmarshal(e.Response, &attrs) != nil || len(attrs) != 1 {
		t.Errorf("list after delete: %s", out)
	}
	f.attrs = nil
	out, _, _ = run(t, f, "pool", "list-attr", "tank", "-j")
	if e := decode(t, out); string(e.Response) != "[]" {
		t.Errorf("an empty list is not []: %s", out)
	}

	// Bad input is refused before connecting, naming what is wrong.
	for _, args := range [][]string{
		{"pool", "set-attr", "tank", "name"},
		{"pool", "set-attr", "tank", "", "v"},
		{"pool", "set-attr", "bad label", "n", "v"},
		{"pool", "del-attr", "tank"},
		{"pool", "get-attr", "tank", strings.Repeat("x", 512)},
	} {
		f := &fakePool{}
		_, errOut, code := run(t, f, args...)
		if code == 0 || f.pool != "" || errOut == "" {
			t.Errorf("%q: accepted (%s)", args, errOut)
		}
	}
	_, errOut, _ = run(t, &fakePool{}, "pool", "set-attr", "tank", "", "v")
	if !strings.Contains(errOut, "attribute name") {
		t.Errorf("the error does not name the argument: %s", errOut)
	}
}

func TestContainerAttrAndPropCommands(t *testing.T) {
	f := &fakePool{}
	if _, errOut, code := run(t, f, "container", "set-attr", "tank", "c1", "k", "v"); code != 0 ||
		string(f.cont.attrStore["k"]) != "v" || f.cont.flags != client.RW || f.flags != client.RW || !f.cont.closed || f.cont.id != "c1" {
		t.Fatalf("container set-attr: %s %+v", errOut, f.cont)
	}
	out, _, code := run(t, f, "cont", "get-attr", "tank", "c1", "k", "-j")
	var attrs []attribute
	if e := decode(t, out); code != 0 || json.Unmarshal(e.Response, &attrs) != nil || len(attrs) != 1 || string(attrs[0].Value) != "v" ||
		f.cont.flags != client.RO {
		t.Errorf("container get-attr: %s", out)
	}
	out, _, _ = run(t, f, "container", "list-attr", "tank", "c1", "-V")
	if !strings.Contains(out, "Attributes for container c1") || !strings.Contains(out, "k") {
		t.Errorf("container list-attr: %s", out)
	}
	if _, _, code := run(t, f, "container", "del-attr", "tank", "c1", "k"); code != 0 || len(f.cont.attrStore) != 0 {
		t.Errorf("container del-attr: %d", code)
	}
	f.openErr = daos.Errorf(daos.ErrNonexist, "no container %q", "c9")
	out, _, code = run(t, f, "container", "get-attr", "tank", "c9", "-j")
	if e := decode(t, out); code == 0 || e.Status != -1005 || !f.disconnected {
		t.Errorf("attrs of a missing container: %s", out)
	}
	f.openErr = nil

	// set-prop: label and status only, refused by name otherwise.
	out, errOut, code := run(t, f, "container", "set-prop", "tank", "c1", "label:newname,status:healthy")
	if code != 0 || f.cont.props["label"] != "newname" || f.cont.props["status"] != "healthy" || f.cont.flags != client.RW {
		t.Errorf("set-prop: %s %s", out, errOut)
	}
	run(t, f, "container", "set-prop", "tank", "c1", "--properties", "label:other")
	if f.cont.props["label"] != "other" {
		t.Errorf("set-prop --properties: %v", f.cont.props)
	}
	for _, c := range []struct{ spec, want string }{
		{"layout_type:POSIX", "layout_type is read-only"},
		{"rd_fac:1", "rd_fac can only be set when the container is created"},
		{"rf:1", "rd_fac can only be set"},
		{"cksum:crc32", "cksum can only be set"},
		{"chunk_size:1MiB", "chunk_size can only be set"},
		{"max_snapshot:3", "max_snapshot is read-only"},
		{"owner:bob@", "set-owner"},
		{"status:unclean", "status"},
		{"label:bad label", "label"},
		{"nosuch:1", `unknown container property "nosuch"`},
		{"label", "want name:value"},
		{"label:a,label:b", "given twice"},
	} {
		f := &fakePool{}
		out, errOut, code := run(t, f, "container", "set-prop", "tank", "c1", c.spec, "-j")
		e := decode(t, out)
		if code == 0 || f.pool != "" || e.Status != -1003 || e.Error == nil || !strings.Contains(*e.Error, c.want) {
			t.Errorf("set-prop %s: %d %s %s", c.spec, code, out, errOut)
		}
	}
	if _, _, code := run(t, &fakePool{}, "container", "set-prop", "tank", "c1"); code == 0 {
		t.Error("set-prop without properties")
	}
}

func TestSnapshotCommands(t *testing.T) {
	f := &fakePool{}
	out, errOut, code := run(t, f, "container", "create-snap", "tank", "c1")
	if code != 0 || !strings.Contains(out, "snapshot/epoch 0x1010 has been created") || f.cont.flags != client.RW || !f.cont.closed {
		t.Fatalf("create-snap: %s %s", out, errOut)
	}
	out, _, _ = run(t, f, "cont", "snap", "tank", "c1", "-s", "before-upgrade", "-j")
	var si snapInfo
	if e := decode(t, out); json.Unmarshal(e.Response, &si) != nil || si.Epoch != 0x1020 || si.Name != "before-upgrade" {
		t.Errorf("JSON create-snap: %s", out)
	}
	run(t, f, "container", "create-snap", "tank", "c1", "--snap", "third")
	out, _, code = run(t, f, "container", "create-snap", "tank", "c1", "--snap", "third", "-j")
	if e := decode(t, out); code == 0 || e.Status != -1004 {
		t.Errorf("duplicate snapshot name: %s", out)
	}

	out, _, _ = run(t, f, "container", "list-snaps", "tank", "c1")
	for _, want := range []string{"0x1010", "0x1020", "before-upgrade", "0x1030", "4128"} {
		if !strings.Contains(out, want) {
			t.Errorf("list-snaps: missing %q in\n%s", want, out)
		}
	}
	if f.cont.flags != client.RO {
		t.Errorf("list-snaps opened with %d", f.cont.flags)
	}
	out, _, _ = run(t, f, "container", "list-snap", "tank", "c1", "-j")
	var list []snapInfo
	if e := decode(t, out); json.Unmarshal(e.Response, &list) != nil || len(list) != 3 || list[1].Name != "before-upgrade" || list[2].Epoch != 0x1030 {
		t.Errorf("JSON list-snaps: %s", out)
	}

	out, _, code = run(t, f, "container", "destroy-snap", "tank", "c1", "-s", "before-upgrade", "-j")
	var ds destroyedSnaps
	if e := decode(t, out); code != 0 || json.Unmarshal(e.Response, &ds) != nil || len(ds.Epochs) != 1 || ds.Epochs[0] != 0x1020 || len(f.cont.snaps) != 2 {
		t.Errorf("destroy-snap --snap: %s", out)
	}
	out, _, code = run(t, f, "container", "destroy-snap", "tank", "c1", "-s", "before-upgrade", "-j")
	if e := decode(t, out); code == 0 || e.Status != -1005 {
		t.Errorf("destroy-snap of a gone name: %s", out)
	}
	out, _, code = run(t, f, "container", "destroy-snap", "tank", "c1", "--epc", "4112")
	if code != 0 || !strings.Contains(out, "0x1010 has been destroyed") || len(f.cont.snaps) != 1 {
		t.Errorf("destroy-snap --epc: %s", out)
	}
	run(t, f, "container", "create-snap", "tank", "c1")
	run(t, f, "container", "create-snap", "tank", "c1")
	out, _, code = run(t, f, "container", "destroy-snap", "tank", "c1", "-r", "0x1030-0x1040", "-j")
	ds = destroyedSnaps{}
	if e := decode(t, out); code != 0 || json.Unmarshal(e.Response, &ds) != nil || len(ds.Epochs) != 2 || len(f.cont.snaps) != 1 ||
		f.cont.snaps[0].Epoch != 0x1050 {
		t.Errorf("destroy-snap --epcrange: %s %+v", out, f.cont.snaps)
	}
	out, _, code = run(t, f, "container", "destroy-snap", "tank", "c1", "-r", "1-2", "-j")
	if e := decode(t, out); code == 0 || e.Status != -1005 {
		t.Errorf("destroy-snap of an empty range: %s", out)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"destroy-snap", "tank", "c1"}, "give --epc, --snap or --epcrange"},
		{[]string{"destroy-snap", "tank", "c1", "-e", "abc"}, `--epc "abc"`},
		{[]string{"destroy-snap", "tank", "c1", "-e", "0"}, `--epc "0"`},
		{[]string{"destroy-snap", "tank", "c1", "-r", "5"}, "FIRST-LAST"},
		{[]string{"destroy-snap", "tank", "c1", "-r", "9-5"}, "start is after end"},
		{[]string{"destroy-snap", "tank", "c1", "-r", "x-5"}, "--epcrange start"},
		{[]string{"destroy-snap", "tank", "c1", "-r", "1-5", "-e", "3"}, "cannot be combined"},
		{[]string{"create-snap", "tank", "c1", "-s", strings.Repeat("n", 128)}, "--snap"},
		{[]string{"list-snaps", "tank", "bad label"}, "container"},
	} {
		f := &fakePool{}
		_, errOut, code := run(t, f, append([]string{"container"}, c.args...)...)
		if code == 0 || f.pool != "" || !strings.Contains(errOut, c.want) {
			t.Errorf("%q: %d %s", c.args, code, errOut)
		}
	}
}

func TestObjectQuery(t *testing.T) {
	f := &fakePool{}
	cont := newFakeCont()
	cid := placement.Name2ID("S4")
	oid, err := placement.GenerateOID(daos.ObjectID{Lo: 42}, placement.OTMultiHashed, cid, 0, cont.pm.Shape(0))
	if err != nil {
		t.Fatal(err)
	}
	want, err := placement.ComputeLayout(cont.pm, oid)
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, f, "object", "query", "tank", "c1", oid.String(), "-j")
	var l objLayout
	if e := decode(t, out); code != 0 || json.Unmarshal(e.Response, &l) != nil {
		t.Fatalf("object query: %s %s", out, errOut)
	}
	if l.OID != oid.String() || l.Class != "S4" || l.Groups != 4 || l.GroupSize != 1 || len(l.Shards) != 4 || l.Version != want.MapVersion {
		t.Errorf("layout: %+v", l)
	}
	seen := map[[2]int]bool{}
	for g, sp := range l.Shards {
		sh := want.Group(g)[0]
		if len(sp.Replicas) != 1 || sp.Replicas[0].Rank != sh.Rank || sp.Replicas[0].Target != sh.Target {
			t.Errorf("group %d: %+v, want %+v", g, sp, sh)
		}
		seen[[2]int{int(sp.Replicas[0].Rank), sp.Replicas[0].Target}] = true
	}
	if len(seen) != 4 || f.cont.flags != client.RO || !f.cont.closed {
		t.Errorf("shards not on distinct targets or container left open: %v", seen)
	}
	out, _, code = run(t, f, "obj", "query", "tank", "c1", oid.String())
	if code != 0 || !strings.Contains(out, "class S4 grp_nr: 4") || !strings.Contains(out, "grp: 3") || !strings.Contains(out, "rank ") {
		t.Errorf("text object query: %s", out)
	}

	// A replicated class: one group of two shards on two ranks.
	oid2, err := placement.GenerateOID(daos.ObjectID{Lo: 7}, placement.OTMultiHashed, placement.Name2ID("RP_2G1"), 0, cont.pm.Shape(0))
	if err != nil {
		t.Fatal(err)
	}
	out, _, code = run(t, f, "object", "query", "tank", "c1", oid2.String(), "-j")
	l = objLayout{}
	if e := decode(t, out); code != 0 || json.Unmarshal(e.Response, &l) != nil || l.Class != "RP_2G1" || len(l.Shards) != 1 ||
		len(l.Shards[0].Replicas) != 2 || l.Shards[0].Replicas[0].Rank == l.Shards[0].Replicas[1].Rank {
		t.Errorf("replicated layout: %s", out)
	}

	// SX resolves to every target: S12 on three ranks of four.
	sx, err := placement.GenerateOID(daos.ObjectID{Lo: 9}, placement.OTMultiHashed, placement.Name2ID("SX"), 0, cont.pm.Shape(0))
	if err != nil {
		t.Fatal(err)
	}
	out, _, code = run(t, f, "object", "query", "tank", "c1", sx.String(), "-j")
	l = objLayout{}
	if e := decode(t, out); code != 0 || json.Unmarshal(e.Response, &l) != nil || l.Class != "S12" || l.Groups != 12 {
		t.Errorf("SX layout: %s", out)
	}

	for _, c := range []struct{ oid, want string }{
		{"12", "want HI.LO"}, {"a.1", "high part"}, {"1.-1", "low part"}, {"0.0", "nil id"},
	} {
		f := &fakePool{}
		_, errOut, code := run(t, f, "object", "query", "tank", "c1", c.oid)
		if code == 0 || f.pool != "" || !strings.Contains(errOut, c.want) {
			t.Errorf("oid %q: %d %s", c.oid, code, errOut)
		}
	}
	// An id whose class is unknown is refused by placement, after connecting.
	out, _, code = run(t, f, "object", "query", "tank", "c1", "1.1", "-j")
	if e := decode(t, out); code == 0 || e.Error == nil || !strings.Contains(*e.Error, "object 1.1") {
		t.Errorf("unknown class: %s", out)
	}
}
