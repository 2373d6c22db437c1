package poolsvc

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/hlc"
	"github.com/daos-go/daos/pkg/placement"
)

func TestContainers(t *testing.T) {
	s := base(t)
	ci, err := s.Container("c1")
	if err != nil {
		t.Fatal(err)
	}
	// Defaults: inherited from the pool where DAOS inherits.
	want := map[string]string{"label": "c1", "layout_type": "POSIX", "layout_version": "1", "cksum": "crc32",
		"cksum_size": "32768", "srv_cksum": "on", "rd_fac": "2", "rd_lvl": "node", "ec_cell_sz": "131072",
		"status": "HEALTHY", "perf_domain": "root", "oclass": "auto", "chunk_size": "1048576", "rp_pda": "4294967295"}
	for k, v := range want {
		if ci.Props[k] != v {
			t.Errorf("prop %s = %q, want %q", k, ci.Props[k], v)
		}
	}
	if ci.Owner != "alice@" || ci.Group != "staff@" || ci.NumHandles != 2 || ci.Type != "POSIX" ||
		!equalStrings(ci.ACL, DefaultContACL) {
		t.Fatalf("info %+v", ci)
	}

	c2, c3 := uuid(201), uuid(202)
	res := apply(t, s, &Command{Op: OpContCreate, PoolHandle: ph, ContCreate: &ContCreateArgs{UUID: c2,
		Props: map[string]string{"rf": "1", "redun_lvl": "rank", "oclass": "S2", "dir_oclass": "rp_2g1",
			"file_oclass": "EC_2P1G1", "chunk_size": "2MiB", "cksum": "crc64", "cksum_size": "64KiB",
			"srv_cksum": "on", "ec_cell_sz": "64KiB", "compression": "lz4"},
		// alice may give it to bob: as its creator-owner she has o.
		Owner: "bob@", Group: "ops@", ACL: []string{"A::OWNER@:rwo", "A::alice@:rwtT"}}})
	ci = res.(*ContInfo)
	want = map[string]string{"label": "container_label_not_set", "layout_type": "unknown", "rd_fac": "1",
		"rd_lvl": "rank", "oclass": "S2", "dir_oclass": "RP_2G1", "file_oclass": "EC_2P1G1", "chunk_size": "2097152",
		"cksum": "crc64", "cksum_size": "65536", "srv_cksum": "on", "ec_cell_sz": "65536", "compression": "lz4"}
	for k, v := range want {
		if ci.Props[k] != v {
			t.Errorf("c2 prop %s = %q, want %q", k, ci.Props[k], v)
		}
	}
	// Unlabelled containers do not clash with each other.
	apply(t, s, &Command{Op: OpContCreate, PoolHandle: ph, ContCreate: &ContCreateArgs{UUID: c3}})
	if l := s.Containers(); len(l) != 3 || l[0].UUID != c1 || l[2].UUID != c3 {
		t.Fatalf("list %+v", l)
	}

	// Container ACL through a handle with A.
	apply(t, s, &Command{Op: OpACLUpdate, Handle: ch, ACL: []string{"A::bob@:r"}},
		&Command{Op: OpACLDelete, Handle: ch, Principal: "u:bob@"})

	// Set-prop: label, owner; status back to healthy.
	apply(t, s, &Command{Op: OpContSetProps, Handle: ch, Props: map[string]string{"label": "renamed", "owner": "carol@", "status": "healthy"}})
	if _, err := s.Container("c1"); !errors.Is(err, daos.ErrNonexist) {
		t.Fatalf("old label still found: %v", err)
	}
	if ci, err = s.Container("renamed"); err != nil || ci.UUID != c1 || ci.Owner != "carol@" {
		t.Fatalf("renamed %+v %v", ci, err)
	}
	// alice is no longer the owner; the group entry gives her rwtT.
	if p, _ := s.ContPerms(c1, alice); p != PermRead|PermWrite|PermGetProp|PermSetProp {
		t.Fatalf("alice perms %s", p)
	}

	// Object ids: ranges never overlap and only grow.
	var last uint64
	for _, n := range []uint64{1, 10, 1000, 3} {
		first := apply(t, s, &Command{Op: OpAllocOIDs, Handle: ch, Num: n}).(uint64)
		if first <= last {
			t.Fatalf("alloc %d gave %d after %d", n, first, last)
		}
		last = first + n - 1
	}
	if ci, _ = s.Container(c1); ci.AllocedOID != last || ci.Props["alloced_oid"] != strconv.FormatUint(last, 10) {
		t.Fatalf("alloced %d (%q), want %d", ci.AllocedOID, ci.Props["alloced_oid"], last)
	}
	// A copy made with the highest allocated id allocates above it; it
	// cannot be changed later.
	apply(t, s, &Command{Op: OpContCreate, PoolHandle: ph, ContCreate: &ContCreateArgs{UUID: uuid(77), Label: "copy",
		Props: map[string]string{"alloced_oid": strconv.FormatUint(last, 10)}}})
	apply(t, s, &Command{Op: OpContOpen, PoolHandle: ph, Cont: "copy", Handle: uuid(78), Flags: FlagRW})
	if first := apply(t, s, &Command{Op: OpAllocOIDs, Handle: uuid(78), Num: 5}).(uint64); first != last+1 {
		t.Fatalf("the copy allocated %d first, want %d", first, last+1)
	}
	res = s.Apply(&Command{Op: OpContSetProps, Handle: uuid(78), Props: map[string]string{"alloced_oid": "1"}, Time: t0})
	if err, _ := res.(error); !errors.Is(err, daos.ErrInval) {
		t.Fatalf("alloced_oid set after create: %v", res)
	}
	apply(t, s, &Command{Op: OpContClose, Handle: uuid(78)}, &Command{Op: OpContDestroy, PoolHandle: ph, Cont: "copy"})

	// Snapshots.
	apply(t, s, &Command{Op: OpSnapCreate, Handle: ch, Epoch: 30, Name: "late"},
		&Command{Op: OpSnapCreate, Handle: ch, Epoch: 10},
		&Command{Op: OpSnapCreate, Handle: ch, Epoch: 20, Name: "mid"})
	sn, _ := s.Snapshots(c1)
	if len(sn) != 3 || sn[0].Epoch != 10 || sn[1].Name != "mid" || sn[2].Epoch != 30 {
		t.Fatalf("snapshots %+v", sn)
	}
	// Object index tables are recorded on their snapshots.
	apply(t, s, &Command{Op: OpSnapOIT, Handle: ch, Epoch: 20, Flags: SnapHasOIT})
	if sn, _ = s.Snapshots(c1); !sn[1].OIT || sn[0].OIT || sn[2].OIT {
		t.Fatalf("snapshots with a table %+v", sn)
	}
	apply(t, s, &Command{Op: OpSnapOIT, Handle: ch, Epoch: 20})
	if sn, _ = s.Snapshots(c1); sn[1].OIT {
		t.Fatalf("table not cleared %+v", sn)
	}
	apply(t, s, &Command{Op: OpSnapDestroy, Handle: ch, Name: "mid"}, &Command{Op: OpSnapDestroy, Handle: ch, Epoch: 10})
	if sn, _ = s.Snapshots(c1); len(sn) != 1 || sn[0].Epoch != 30 {
		t.Fatalf("snapshots after destroy %+v", sn)
	}

	// Attributes.
	apply(t, s, &Command{Op: OpContSetAttrs, Handle: ch, Attrs: map[string][]byte{"x": []byte("1"), "y": nil}},
		&Command{Op: OpContDelAttrs, Handle: ch, Names: []string{"y"}})
	if at, _ := s.ContAttrs(c1); len(at) != 1 || string(at["x"]) != "1" {
		t.Fatalf("attrs %v", at)
	}

	// Failures beyond rd_fac make c1 UNCLEAN; a forced open still works;
	// reintegration makes it HEALTHY again.
	all := placement.AllTargets
	apply(t, s, &Command{Op: OpMapUpdate, MapOp: MapExclude, Targets: []placement.TargetRef{{Rank: 0, Index: all}, {Rank: 1, Index: 0}, {Rank: 2, Index: 3}}})
	if ci, _ = s.Container(c1); ci.Status != "UNCLEAN" {
		t.Fatalf("status %s", ci.Status)
	}
	// c2 counts ranks with rd_fac 1: also unclean; c3 inherited 2: unclean.
	apply(t, s, &Command{Op: OpContOpen, PoolHandle: ph, Cont: c1, Handle: uuid(310), Flags: FlagRO | FlagForce})
	apply(t, s, &Command{Op: OpMapUpdate, MapOp: MapReintegrate, Targets: []placement.TargetRef{{Rank: 0, Index: all}}})
	if ci, _ = s.Container(c1); ci.Status != "HEALTHY" {
		t.Fatalf("status after reintegration %s", ci.Status)
	}

	// Close is idempotent; destroy needs the handles gone unless forced.
	apply(t, s, &Command{Op: OpContClose, Handle: chRO}, &Command{Op: OpContClose, Handle: chRO},
		&Command{Op: OpContDestroy, PoolHandle: ph, Cont: c2},
		&Command{Op: OpContDestroy, PoolHandle: ph, Cont: "renamed", Force: true})
	if l := s.Containers(); len(l) != 1 || l[0].UUID != c3 {
		t.Fatalf("after destroy %+v", l)
	}
	if _, _, _, err := s.ContHandle(ch); !errors.Is(err, daos.ErrNoHdl) {
		t.Fatalf("handle of destroyed container: %v", err)
	}
	// A disconnect closes the container handles opened through it.
	apply(t, s, &Command{Op: OpContOpen, PoolHandle: phRO, Cont: c3, Handle: uuid(320), Flags: FlagRO},
		&Command{Op: OpDisconnect, Handle: phRO})
	if ci, _ = s.Container(c3); ci.NumHandles != 0 {
		t.Fatalf("handles after disconnect %d", ci.NumHandles)
	}
}

func TestMachine(t *testing.T) {
	m := NewMachine()
	c := &Command{Op: OpCreate, Time: t0, Create: createArgs()}
	b, err := c.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if res := m.Apply(b); res != nil {
		t.Fatalf("create: %v", res)
	}
	if err, _ := m.Apply([]byte("{")).(error); !errors.Is(err, daos.ErrProto) {
		t.Fatalf("garbage: %v", err)
	}
	sn, err := m.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	m2 := NewMachine()
	if err := m2.Restore(sn); err != nil {
		t.Fatal(err)
	}
	if pi, err := m2.Info(); err != nil || pi.Label != "tank" || pi.MapVersion != 1 {
		t.Fatalf("restored %+v %v", pi, err)
	}
	if err := m2.Restore([]byte(`{"map":"AAAA"}`)); err == nil {
		t.Fatal("restore of a bad map succeeded")
	}
	if err := m2.Restore([]byte(`{"conts":{"x":{"uuid":"y"}}}`)); err == nil {
		t.Fatal("restore of an inconsistent container succeeded")
	}
}

// What get-prop prints for a new container's properties can be given back
// at create (daos fs copy --preserve-props does): every settable one
// parses to the same value.
func TestContPropsRoundTrip(t *testing.T) {
	s := base(t)
	ci, err := s.Container(c1)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range ContPropNames() {
		d, err := LookupContProp(name)
		if err != nil {
			t.Fatal(err)
		}
		if d.Access == ContReadOnly {
			continue
		}
		printed, ok := ci.Props[name]
		if !ok {
			continue
		}
		p, err := d.Parse(printed)
		if err != nil {
			t.Errorf("%s: %q as printed does not parse: %v", name, printed, err)
			continue
		}
		if again := d.Format(p); again != printed {
			t.Errorf("%s: %q parses and prints as %q", name, printed, again)
		}
	}
}

// A container records its latest open and its latest close or metadata
// change as HLC stamps of the commands' times (ci_md_otime, ci_md_mtime).
func TestContainerOpenModifyTimes(t *testing.T) {
	s := base(t) // c1 opened by base's last two commands, at t0+4s and t0+5s
	ci, err := s.Container("c1")
	if err != nil {
		t.Fatal(err)
	}
	// Stamps keep time to the HLC's tick (2^18 ns).
	tick := func(at time.Time) time.Time { return hlc.Time(hlc.Stamp(at)) }
	if got, want := hlc.Time(ci.OpenTime), tick(t0.Add(5*time.Second)); !got.Equal(want) || ci.CloseModifyTime != 0 {
		t.Fatalf("after the opens: open %v (want %v), close/modify %#x (want none)", got, want, ci.CloseModifyTime)
	}
	at := func(d time.Duration) time.Time { return t0.Add(time.Hour + d*time.Second) }
	check := func(what string, open, mod time.Time) {
		t.Helper()
		ci, err := s.Container(c1)
		if err != nil {
			t.Fatal(err)
		}
		if !hlc.Time(ci.OpenTime).Equal(tick(open)) || !hlc.Time(ci.CloseModifyTime).Equal(tick(mod)) {
			t.Fatalf("%s: open %v, close/modify %v; want %v, %v", what, hlc.Time(ci.OpenTime), hlc.Time(ci.CloseModifyTime), open, mod)
		}
	}
	open := t0.Add(5 * time.Second)
	apply(t, s, &Command{Op: OpContSetAttrs, Handle: ch, Attrs: map[string][]byte{"a": []byte("1")}, Time: at(1)})
	check("set-attr", open, at(1))
	apply(t, s, &Command{Op: OpSnapCreate, Handle: ch, Epoch: 99, Time: at(2)})
	check("snapshot", open, at(2))
	apply(t, s, &Command{Op: OpAllocOIDs, Handle: ch, Num: 10, Time: at(3)})
	check("object ids are data, not metadata", open, at(2))
	apply(t, s, &Command{Op: OpContClose, Handle: chRO, Time: at(4)})
	check("close", open, at(4))
	apply(t, s, &Command{Op: OpContOpen, PoolHandle: ph, Cont: c1, Handle: chRO, Flags: FlagRO, Time: at(5)})
	check("open", at(5), at(4))
	// A refused change changes nothing.
	if res := s.Apply(&Command{Op: OpContSetProps, Handle: chRO, Props: map[string]string{"label": "x"}, Time: at(6)}); res == nil {
		t.Fatal("set-prop through a read-only handle succeeded")
	}
	check("refused set-prop", at(5), at(4))
}

// A create may name the read-only properties with the values a new
// container gets (a copy of another container's properties names them
// all, as DAOS's create takes them); other values are refused above.
func TestContCreateTakesReadOnlyDefaults(t *testing.T) {
	s := base(t)
	res := apply(t, s, &Command{Op: OpContCreate, PoolHandle: ph, ContCreate: &ContCreateArgs{UUID: uuid(201), Label: "copy",
		Props: map[string]string{"layout_version": "1", "max_snapshot": "0", "scrub_disabled": "0", "obj_version": "1",
			"global_version": strconv.Itoa(GlobalVersion)}}})
	ci := res.(*ContInfo)
	if ci.Props["layout_version"] != "1" || ci.Props["obj_version"] != "1" {
		t.Fatalf("props %v", ci.Props)
	}
}
