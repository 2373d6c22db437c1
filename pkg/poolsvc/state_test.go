package poolsvc

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
)

func uuid(n int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", n, n) }

var (
	poolUUID = uuid(1)
	ph       = uuid(100) // alice's RW pool handle
	phRO     = uuid(101) // alice's RO pool handle
	c1       = uuid(200) // container "c1"
	ch       = uuid(300) // RW handle on c1
	chRO     = uuid(301) // RO handle on c1
	alice    = Cred{User: "alice@", Groups: []string{"staff@"}}
	bob      = Cred{User: "bob@", Groups: []string{"other@"}}
	t0       = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

func createArgs() *CreateArgs {
	return &CreateArgs{UUID: poolUUID, Label: "tank", Owner: "alice@", Group: "staff@",
		Ranks: []placement.RankSpec{{Rank: 0, Targets: 4, FaultPath: "/r0/n0"},
			{Rank: 1, Targets: 4, FaultPath: "/r0/n1"}, {Rank: 2, Targets: 4, FaultPath: "/r1/n2"}},
		SvcRanks: []uint32{0, 1, 2}}
}

func apply(t *testing.T, s *State, cs ...*Command) any {
	t.Helper()
	var res any
	for i, c := range cs {
		if c.Time.IsZero() {
			c.Time = t0.Add(time.Duration(i) * time.Second)
		}
		res = s.Apply(c)
		if err, ok := res.(error); ok {
			t.Fatalf("%s: %v", c.Op, err)
		}
	}
	return res
}

// base is a created pool with alice's RW and RO pool handles, container
// c1 and RW/RO handles on it.
func base(t *testing.T) *State {
	s := New()
	apply(t, s,
		// rd_fac 2 as DAOS's default would give here: containers
		// inherit it (see TestCreate for this build's default).
		&Command{Op: OpCreate, Create: modArgs(func(a *CreateArgs) { a.Props = map[string]string{"rd_fac": "2"} })},
		&Command{Op: OpConnect, Handle: ph, Flags: FlagRW, Cred: alice, Machine: "node1"},
		&Command{Op: OpConnect, Handle: phRO, Flags: FlagRO, Cred: alice, Machine: "node2"},
		&Command{Op: OpContCreate, PoolHandle: ph, ContCreate: &ContCreateArgs{UUID: c1, Label: "c1", Type: "POSIX"}},
		&Command{Op: OpContOpen, PoolHandle: ph, Cont: "c1", Handle: ch, Flags: FlagRW},
		&Command{Op: OpContOpen, PoolHandle: ph, Cont: c1, Handle: chRO, Flags: FlagRO},
	)
	return s
}

func snap(t *testing.T, s *State) []byte {
	t.Helper()
	b, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type refusal struct {
	name  string
	setup []*Command
	cmd   *Command
	want  daos.Errno
}

func runRefusals(t *testing.T, mk func(*testing.T) *State, cases []refusal) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := mk(t)
			apply(t, s, tc.setup...)
			before := snap(t, s)
			tc.cmd.Time = t0.Add(time.Hour)
			res := s.Apply(tc.cmd)
			err, _ := res.(error)
			if !errors.Is(err, tc.want) {
				t.Fatalf("%s: got %v, want %s", tc.cmd.Op, res, tc.want.Name())
			}
			if after := snap(t, s); !bytes.Equal(before, after) {
				t.Fatalf("refused %s changed the state:\nbefore %s\nafter  %s", tc.cmd.Op, before, after)
			}
		})
	}
}

func modArgs(f func(a *CreateArgs)) *CreateArgs {
	a := createArgs()
	f(a)
	return a
}

func TestCreateRefusals(t *testing.T) {
	empty := func(*testing.T) *State { return New() }
	runRefusals(t, empty, []refusal{
		{name: "not created", cmd: &Command{Op: OpConnect, Handle: ph, Flags: FlagRO, Cred: alice}, want: daos.ErrUninit},
		{name: "no args", cmd: &Command{Op: OpCreate}, want: daos.ErrInval},
		{name: "bad uuid", cmd: &Command{Op: OpCreate, Create: modArgs(func(a *CreateArgs) { a.UUID = "x" })}, want: daos.ErrInval},
		{name: "bad owner", cmd: &Command{Op: OpCreate, Create: modArgs(func(a *CreateArgs) { a.Owner = "alice" })}, want: daos.ErrInval},
		{name: "bad group", cmd: &Command{Op: OpCreate, Create: modArgs(func(a *CreateArgs) { a.Group = "a b@" })}, want: daos.ErrInval},
		{name: "bad acl", cmd: &Command{Op: OpCreate, Create: modArgs(func(a *CreateArgs) { a.ACL = []string{"A::OWNER@"} })}, want: daos.ErrInval},
		{name: "container perm in pool acl", cmd: &Command{Op: OpCreate, Create: modArgs(func(a *CreateArgs) { a.ACL = []string{"A::OWNER@:rwA"} })}, want: daos.ErrInval},
		{name: "no ranks", cmd: &Command{Op: OpCreate, Create: modArgs(func(a *CreateArgs) { a.Ranks = nil })}, want: daos.ErrInval},
		{name: "bad fault path", cmd: &Command{Op: OpCreate, Create: modArgs(func(a *CreateArgs) { a.Ranks[0].FaultPath = "r0" })}, want: daos.ErrInval},
		{name: "duplicate rank", cmd: &Command{Op: OpCreate, Create: modArgs(func(a *CreateArgs) { a.Ranks[1].Rank = 0 })}, want: daos.ErrExist},
		{name: "no svc ranks", cmd: &Command{Op: OpCreate, Create: modArgs(func(a *CreateArgs) { a.SvcRanks = nil })}, want: daos.ErrInval},
		{name: "svc rank outside", cmd: &Command{Op: OpCreate, Create: modArgs(func(a *CreateArgs) { a.SvcRanks = []uint32{7} })}, want: daos.ErrInval},
		{name: "svc rank twice", cmd: &Command{Op: OpCreate, Create: modArgs(func(a *CreateArgs) { a.SvcRanks = []uint32{1, 1} })}, want: daos.ErrInval},
		{name: "unknown prop", cmd: &Command{Op: OpCreate, Create: modArgs(func(a *CreateArgs) { a.Props = map[string]string{"nope": "1"} })}, want: daos.ErrInval},
		{name: "read-only prop", cmd: &Command{Op: OpCreate, Create: modArgs(func(a *CreateArgs) { a.Props = map[string]string{"global_version": "1"} })}, want: daos.ErrInval},
		{name: "bad prop value", cmd: &Command{Op: OpCreate, Create: modArgs(func(a *CreateArgs) { a.Props = map[string]string{"space_rb": "101"} })}, want: daos.ErrInval},
		{name: "rd_fac too high", cmd: &Command{Op: OpCreate, Create: modArgs(func(a *CreateArgs) { a.Props = map[string]string{"rf": "3"} })}, want: daos.ErrInval},
		{name: "label mismatch", cmd: &Command{Op: OpCreate, Create: modArgs(func(a *CreateArgs) { a.Props = map[string]string{"label": "other"} })}, want: daos.ErrInval},
		{name: "bad label", cmd: &Command{Op: OpCreate, Create: modArgs(func(a *CreateArgs) { a.Label = "no/slash" })}, want: daos.ErrInval},
		{name: "unknown op", cmd: &Command{Op: "frobnicate"}, want: daos.ErrUninit},
	})
	// Once created: a different create is DER_EXIST.
	runRefusals(t, base, []refusal{
		{name: "second create", cmd: &Command{Op: OpCreate, Create: modArgs(func(a *CreateArgs) { a.Label = "other" })}, want: daos.ErrExist},
		{name: "unknown op", cmd: &Command{Op: "frobnicate"}, want: daos.ErrInval},
	})
}

func TestCreate(t *testing.T) {
	s := New()
	apply(t, s, &Command{Op: OpCreate, Create: createArgs()})
	// A retried identical create succeeds.
	apply(t, s, &Command{Op: OpCreate, Create: createArgs()})
	pi, err := s.Info()
	if err != nil {
		t.Fatal(err)
	}
	if pi.Label != "tank" || pi.State != StateReady || pi.MapVersion != 1 || pi.TotalTargets != 12 ||
		pi.ActiveTargets != 12 || pi.TotalEngines != 3 || pi.Rebuild != "idle" || pi.Owner != "alice@" {
		t.Fatalf("info %+v", pi)
	}
	if !equalStrings(pi.ACL, DefaultPoolACL) {
		t.Fatalf("default ACL %q", pi.ACL)
	}
	// Not given, rd_fac is 0 (DAOS: 3, clamped to the fault domains)
	// until replicated and erasure-coded I/O exist.
	want := map[string]string{"rd_fac": "0", "label": "tank", "space_rb": "5%", "self_heal": "exclude;rebuild",
		"ec_cell_sz": "131072", "svc_list": "[0-2]", "global_version": "3", "upgrade_status": "not started",
		"reclaim": "lazy", "checkpoint_thresh": "50%"}
	for k, v := range want {
		if pi.Props[k] != v {
			t.Errorf("prop %s = %q, want %q", k, pi.Props[k], v)
		}
	}
	// Without owner: NOBODY@.
	s2 := New()
	apply(t, s2, &Command{Op: OpCreate, Create: modArgs(func(a *CreateArgs) {
		a.Owner, a.Group, a.Props = "", "", map[string]string{"rd_fac": "1", "label": "tank"}
	})})
	if _, o, g := s2.ACL(); o != nobody || g != nobody {
		t.Fatalf("owner %s group %s", o, g)
	}
	if p, _ := s2.Prop("rf"); p.Num != 1 {
		t.Fatalf("explicit rd_fac %d", p.Num)
	}
}

func TestPoolRefusals(t *testing.T) {
	h := uuid(150)
	runRefusals(t, base, []refusal{
		{name: "connect bad handle", cmd: &Command{Op: OpConnect, Handle: "h", Flags: FlagRO, Cred: alice}, want: daos.ErrInval},
		{name: "connect no flags", cmd: &Command{Op: OpConnect, Handle: h, Cred: alice}, want: daos.ErrInval},
		{name: "connect two modes", cmd: &Command{Op: OpConnect, Handle: h, Flags: FlagRO | FlagRW, Cred: alice}, want: daos.ErrInval},
		{name: "connect unknown flag", cmd: &Command{Op: OpConnect, Handle: h, Flags: FlagRO | FlagForce, Cred: alice}, want: daos.ErrInval},
		{name: "connect no perm", cmd: &Command{Op: OpConnect, Handle: h, Flags: FlagRO, Cred: bob}, want: daos.ErrNoPerm},
		{name: "connect rw with read only", setup: []*Command{{Op: OpACLUpdate, ACL: []string{"A::EVERYONE@:r"}}},
			cmd: &Command{Op: OpConnect, Handle: h, Flags: FlagRW, Cred: bob}, want: daos.ErrNoPerm},
		{name: "connect ex while open", cmd: &Command{Op: OpConnect, Handle: h, Flags: FlagEX, Cred: alice}, want: daos.ErrBusy},
		{name: "connect while ex", setup: []*Command{{Op: OpEvict}, {Op: OpConnect, Handle: ph, Flags: FlagEX, Cred: alice}},
			cmd: &Command{Op: OpConnect, Handle: h, Flags: FlagRO, Cred: alice}, want: daos.ErrBusy},
		{name: "connect same handle other flags", cmd: &Command{Op: OpConnect, Handle: ph, Flags: FlagRO, Cred: alice}, want: daos.ErrExist},
		{name: "connect while destroying", setup: []*Command{{Op: OpDestroyBegin, Force: true}},
			cmd: &Command{Op: OpConnect, Handle: h, Flags: FlagRO, Cred: alice}, want: daos.ErrBusy},
		{name: "set_props none", cmd: &Command{Op: OpSetProps}, want: daos.ErrInval},
		{name: "set_props unknown", cmd: &Command{Op: OpSetProps, Props: map[string]string{"nope": "1"}}, want: daos.ErrInval},
		{name: "set_props create-only", cmd: &Command{Op: OpSetProps, Props: map[string]string{"svc_rf": "1"}}, want: daos.ErrInval},
		{name: "set_props read-only", cmd: &Command{Op: OpSetProps, Props: map[string]string{"upgrade_status": "completed"}}, want: daos.ErrInval},
		{name: "set_props svc_list", cmd: &Command{Op: OpSetProps, Props: map[string]string{"svc_list": "[1]"}}, want: daos.ErrInval},
		{name: "set_props bad value", cmd: &Command{Op: OpSetProps, Props: map[string]string{"reclaim": "sometimes"}}, want: daos.ErrInval},
		{name: "set_props partly bad", cmd: &Command{Op: OpSetProps, Props: map[string]string{"label": "newname", "space_rb": "200"}}, want: daos.ErrInval},
		{name: "set_owner none", cmd: &Command{Op: OpSetOwner}, want: daos.ErrInval},
		{name: "set_owner bad", cmd: &Command{Op: OpSetOwner, Owner: "bob@", Group: "staff"}, want: daos.ErrInval},
		{name: "set_attrs none", cmd: &Command{Op: OpSetAttrs}, want: daos.ErrInval},
		{name: "set_attrs empty name", cmd: &Command{Op: OpSetAttrs, Attrs: map[string][]byte{"a": {1}, "": {2}}}, want: daos.ErrInval},
		{name: "del_attrs none", cmd: &Command{Op: OpDelAttrs}, want: daos.ErrInval},
		{name: "del_attrs missing", setup: []*Command{{Op: OpSetAttrs, Attrs: map[string][]byte{"a": {1}}}},
			cmd: &Command{Op: OpDelAttrs, Names: []string{"a", "b"}}, want: daos.ErrNonexist},
		{name: "acl overwrite bad", cmd: &Command{Op: OpACLOverwrite, ACL: []string{"A::OWNER@:rw", "bogus"}}, want: daos.ErrInval},
		{name: "acl overwrite container perms", cmd: &Command{Op: OpACLOverwrite, ACL: []string{"A::OWNER@:rwo"}}, want: daos.ErrInval},
		{name: "acl update empty", cmd: &Command{Op: OpACLUpdate}, want: daos.ErrInval},
		{name: "acl update duplicate", cmd: &Command{Op: OpACLUpdate, ACL: []string{"A::x@:r", "A::x@:w"}}, want: daos.ErrInval},
		{name: "acl delete missing", cmd: &Command{Op: OpACLDelete, Principal: "EVERYONE@"}, want: daos.ErrNonexist},
		{name: "map unknown op", cmd: &Command{Op: OpMapUpdate, MapOp: "shuffle", Targets: []placement.TargetRef{{Rank: 0}}}, want: daos.ErrInval},
		{name: "map no targets", cmd: &Command{Op: OpMapUpdate, MapOp: MapExclude}, want: daos.ErrInval},
		{name: "map no rank", cmd: &Command{Op: OpMapUpdate, MapOp: MapExclude, Targets: []placement.TargetRef{{Rank: 9, Index: -1}}}, want: daos.ErrNonexist},
		{name: "map no target", cmd: &Command{Op: OpMapUpdate, MapOp: MapExclude, Targets: []placement.TargetRef{{Rank: 0, Index: 4}}}, want: daos.ErrNonexist},
		{name: "map bad transition", setup: []*Command{{Op: OpMapUpdate, MapOp: MapExclude, Targets: []placement.TargetRef{{Rank: 0, Index: 1}}}},
			cmd: &Command{Op: OpMapUpdate, MapOp: MapDrain, Targets: []placement.TargetRef{{Rank: 0, Index: 1}}}, want: daos.ErrInval},
		{name: "map reintegrate up", cmd: &Command{Op: OpMapUpdate, MapOp: MapReintegrate, Targets: []placement.TargetRef{{Rank: 0, Index: 1}}}, want: daos.ErrInval},
		{name: "map extend existing", cmd: &Command{Op: OpMapUpdate, MapOp: MapExtend, NewRanks: []placement.RankSpec{{Rank: 1, Targets: 4}}}, want: daos.ErrExist},
		{name: "map extend nothing", cmd: &Command{Op: OpMapUpdate, MapOp: MapExtend}, want: daos.ErrInval},
		{name: "map while destroying", setup: []*Command{{Op: OpDestroyBegin, Force: true}},
			cmd: &Command{Op: OpMapUpdate, MapOp: MapExclude, Targets: []placement.TargetRef{{Rank: 0, Index: -1}}}, want: daos.ErrBusy},
		{name: "destroy while connected", cmd: &Command{Op: OpDestroyBegin}, want: daos.ErrBusy},
	})
}

func TestPoolCommands(t *testing.T) {
	s := base(t)
	h := uuid(150)
	// Retried connect and disconnect are harmless.
	apply(t, s, &Command{Op: OpConnect, Handle: ph, Flags: FlagRW, Cred: alice},
		&Command{Op: OpDisconnect, Handle: h}, &Command{Op: OpACLUpdate, ACL: []string{"A::EVERYONE@:r"}},
		&Command{Op: OpConnect, Handle: h, Flags: FlagRO, Cred: bob, Machine: "node3"})
	if hd, err := s.Handle(h); err != nil || hd.Cred.User != "bob@" || hd.Flags != FlagRO {
		t.Fatalf("handle %+v %v", hd, err)
	}
	// Evicting node1's handles drops ph and the container handles under it.
	if n := apply(t, s, &Command{Op: OpEvict, Machine: "node1"}); n != 1 {
		t.Fatalf("evicted %v", n)
	}
	if _, _, _, err := s.ContHandle(ch); !errors.Is(err, daos.ErrNoHdl) {
		t.Fatalf("container handle after evict: %v", err)
	}
	if n := apply(t, s, &Command{Op: OpEvict}); n != 2 {
		t.Fatalf("evicted %v", n)
	}
	apply(t, s, &Command{Op: OpSetProps, Props: map[string]string{"label": "tank2", "self_heal": "none", "space_rb": "10%"}},
		&Command{Op: OpSetOwner, Owner: "bob@"},
		&Command{Op: OpSetAttrs, Attrs: map[string][]byte{"a": []byte("1"), "b": []byte("2")}},
		&Command{Op: OpDelAttrs, Names: []string{"a"}},
		&Command{Op: OpACLDelete, Principal: "EVERYONE@"},
		&Command{Op: OpACLUpdate, ACL: []string{"A::OWNER@:r", "A:G:ops@:rw"}})
	pi, _ := s.Info()
	if pi.Label != "tank2" || pi.Props["self_heal"] != "none" || pi.Props["space_rb"] != "10%" || pi.Owner != "bob@" {
		t.Fatalf("info %+v", pi)
	}
	if at := s.Attrs(); len(at) != 1 || string(at["b"]) != "2" {
		t.Fatalf("attrs %v", at)
	}
	if want := []string{"A::OWNER@:r", "A:G:GROUP@:rw", "A:G:ops@:rw"}; !equalStrings(pi.ACL, want) {
		t.Fatalf("acl %q", pi.ACL)
	}
	apply(t, s, &Command{Op: OpACLOverwrite, ACL: []string{"A::EVERYONE@:rw"}})
	if acl, _, _ := s.ACL(); !equalStrings(acl, []string{"A::EVERYONE@:rw"}) {
		t.Fatalf("overwritten acl %q", acl)
	}

	// Pool map: exclude bumps the version and marks the pool.
	apply(t, s, &Command{Op: OpMapUpdate, MapOp: MapExclude, Targets: []placement.TargetRef{{Rank: 2, Index: placement.AllTargets}}})
	pi, _ = s.Info()
	if pi.MapVersion != 2 || pi.State != StateTargetsExcluded || pi.DisabledTargets != 4 || pi.Rebuild != "busy" ||
		len(pi.DisabledRanks) != 1 || pi.DisabledRanks[0] != 2 {
		t.Fatalf("after exclude %+v", pi)
	}
	apply(t, s, &Command{Op: OpMapUpdate, MapOp: MapRebuildDone},
		&Command{Op: OpMapUpdate, MapOp: MapReintegrate, Targets: []placement.TargetRef{{Rank: 2, Index: placement.AllTargets}}},
		&Command{Op: OpMapUpdate, MapOp: MapDrain, Targets: []placement.TargetRef{{Rank: 1, Index: 0}}},
		&Command{Op: OpMapUpdate, MapOp: MapExcludeOut, Targets: []placement.TargetRef{{Rank: 1, Index: 0}}},
		&Command{Op: OpMapUpdate, MapOp: MapExtend, NewRanks: []placement.RankSpec{{Rank: 5, Targets: 2, FaultPath: "/r2/n5"}}},
		&Command{Op: OpMapUpdate, MapOp: MapAddIn, Targets: []placement.TargetRef{{Rank: 5, Index: placement.AllTargets}}})
	pi, _ = s.Info()
	if pi.MapVersion != 9 || pi.TotalTargets != 14 || pi.TotalEngines != 4 || pi.State != StateTargetsExcluded {
		t.Fatalf("after map changes %+v", pi)
	}
	if st, _ := s.PoolMap().TargetState(5, 1); st != placement.StateUpIn {
		t.Fatalf("extended target %s", st)
	}
	apply(t, s, &Command{Op: OpMapUpdate, MapOp: MapReintegrate, Targets: []placement.TargetRef{{Rank: 1, Index: 0}}})
	if pi, _ = s.Info(); pi.State != StateReady {
		t.Fatalf("after reintegration %s", pi.State)
	}

	// Destroy: forced, it evicts; it then refuses the container service.
	apply(t, s, &Command{Op: OpConnect, Handle: h, Flags: FlagRO, Cred: bob},
		&Command{Op: OpDestroyBegin, Force: true}, &Command{Op: OpDestroyBegin})
	if pi, _ = s.Info(); pi.State != StateDestroying || pi.Handles != 0 {
		t.Fatalf("destroying %+v", pi)
	}
	if err, _ := s.Apply(&Command{Op: OpContCreate, PoolHandle: h}).(error); !errors.Is(err, daos.ErrBusy) {
		t.Fatalf("cont_create while destroying: %v", err)
	}
}

func TestContRefusals(t *testing.T) {
	c2 := uuid(201)
	h := uuid(350)
	cc := func(f func(a *ContCreateArgs)) *Command {
		a := &ContCreateArgs{UUID: c2, Label: "c2"}
		f(a)
		return &Command{Op: OpContCreate, PoolHandle: ph, ContCreate: a}
	}
	nop := func(*ContCreateArgs) {}
	bobRO := uuid(160)
	bobSetup := []*Command{{Op: OpACLUpdate, ACL: []string{"A::EVERYONE@:r"}},
		{Op: OpConnect, Handle: bobRO, Flags: FlagRO, Cred: bob}}
	// bob can open c1 RW and read/write it, but has no T, o, A or d.
	bobRW := []*Command{{Op: OpACLUpdate, ACL: []string{"A::EVERYONE@:r"}},
		{Op: OpConnect, Handle: bobRO, Flags: FlagRO, Cred: bob},
		{Op: OpACLUpdate, Handle: ch, ACL: []string{"A::EVERYONE@:rw"}},
		{Op: OpACLUpdate, ACL: []string{"A::EVERYONE@:rw"}},
		{Op: OpConnect, Handle: uuid(161), Flags: FlagRW, Cred: bob},
		{Op: OpContOpen, PoolHandle: uuid(161), Cont: c1, Handle: h, Flags: FlagRW}}
	exclude := &Command{Op: OpMapUpdate, MapOp: MapExclude, Targets: []placement.TargetRef{{Rank: 0, Index: 0}, {Rank: 1, Index: 0}, {Rank: 2, Index: 0}}}
	runRefusals(t, base, []refusal{
		{name: "create no args", cmd: &Command{Op: OpContCreate, PoolHandle: ph}, want: daos.ErrInval},
		{name: "create no pool handle", cmd: &Command{Op: OpContCreate, PoolHandle: uuid(999), ContCreate: &ContCreateArgs{UUID: c2}}, want: daos.ErrNoHdl},
		{name: "create ro handle", cmd: &Command{Op: OpContCreate, PoolHandle: phRO, ContCreate: &ContCreateArgs{UUID: c2}}, want: daos.ErrNoPerm},
		{name: "create bad uuid", cmd: cc(func(a *ContCreateArgs) { a.UUID = "c2" }), want: daos.ErrInval},
		{name: "create dup uuid", cmd: cc(func(a *ContCreateArgs) { a.UUID = c1 }), want: daos.ErrExist},
		{name: "create dup label", cmd: cc(func(a *ContCreateArgs) { a.Label = "c1" }), want: daos.ErrExist},
		{name: "create dup label prop", cmd: cc(func(a *ContCreateArgs) { a.Label, a.Props = "", map[string]string{"label": "c1"} }), want: daos.ErrExist},
		{name: "create label mismatch", cmd: cc(func(a *ContCreateArgs) { a.Props = map[string]string{"label": "c3"} }), want: daos.ErrInval},
		{name: "create bad label", cmd: cc(func(a *ContCreateArgs) { a.Label = uuid(5) }), want: daos.ErrInval},
		{name: "create bad type", cmd: cc(func(a *ContCreateArgs) { a.Type = "EXCEL" }), want: daos.ErrInval},
		{name: "create unknown prop", cmd: cc(func(a *ContCreateArgs) { a.Props = map[string]string{"colour": "red"} }), want: daos.ErrInval},
		{name: "create read-only prop", cmd: cc(func(a *ContCreateArgs) { a.Props = map[string]string{"layout_version": "2"} }), want: daos.ErrInval},
		{name: "create bad cksum", cmd: cc(func(a *ContCreateArgs) { a.Props = map[string]string{"cksum": "md5"} }), want: daos.ErrInval},
		{name: "create bad cksum_size", cmd: cc(func(a *ContCreateArgs) { a.Props = map[string]string{"cksum_size": "0"} }), want: daos.ErrInval},
		{name: "create bad srv_cksum", cmd: cc(func(a *ContCreateArgs) { a.Props = map[string]string{"srv_cksum": "maybe"} }), want: daos.ErrInval},
		{name: "create bad rd_fac", cmd: cc(func(a *ContCreateArgs) { a.Props = map[string]string{"rd_fac": "5"} }), want: daos.ErrInval},
		{name: "create bad redun_lvl", cmd: cc(func(a *ContCreateArgs) { a.Props = map[string]string{"redun_lvl": "rack"} }), want: daos.ErrInval},
		{name: "create bad ec_cell_sz", cmd: cc(func(a *ContCreateArgs) { a.Props = map[string]string{"ec_cell_sz": "4097"} }), want: daos.ErrInval},
		{name: "create big ec_cell_sz", cmd: cc(func(a *ContCreateArgs) { a.Props = map[string]string{"ec_cell_sz": "2MiB"} }), want: daos.ErrInval},
		{name: "create bad oclass", cmd: cc(func(a *ContCreateArgs) { a.Props = map[string]string{"oclass": "S3"} }), want: daos.ErrInval},
		{name: "create bad dir_oclass", cmd: cc(func(a *ContCreateArgs) { a.Props = map[string]string{"dir_oclass": "nope"} }), want: daos.ErrInval},
		{name: "create bad file_oclass", cmd: cc(func(a *ContCreateArgs) { a.Props = map[string]string{"file_oclass": ""} }), want: daos.ErrInval},
		{name: "create bad chunk_size", cmd: cc(func(a *ContCreateArgs) { a.Props = map[string]string{"chunk_size": "zero"} }), want: daos.ErrInval},
		{name: "create bad layout_type prop", cmd: cc(func(a *ContCreateArgs) { a.Props = map[string]string{"layout_type": "POSIX"} }), want: daos.ErrInval},
		{name: "create bad owner", cmd: cc(func(a *ContCreateArgs) { a.Owner = "root" }), want: daos.ErrInval},
		{name: "create bad acl", cmd: cc(func(a *ContCreateArgs) { a.ACL = []string{"A::OWNER@:rwc"} }), want: daos.ErrInval},
		{name: "destroy no pool handle", cmd: &Command{Op: OpContDestroy, PoolHandle: uuid(999), Cont: c1}, want: daos.ErrNoHdl},
		{name: "destroy missing", cmd: &Command{Op: OpContDestroy, PoolHandle: ph, Cont: "nope"}, want: daos.ErrNonexist},
		{name: "destroy missing uuid", cmd: &Command{Op: OpContDestroy, PoolHandle: ph, Cont: c2}, want: daos.ErrNonexist},
		{name: "destroy open", cmd: &Command{Op: OpContDestroy, PoolHandle: ph, Cont: "c1"}, want: daos.ErrBusy},
		{name: "destroy no perm", setup: bobSetup, cmd: &Command{Op: OpContDestroy, PoolHandle: bobRO, Cont: "c1", Force: true}, want: daos.ErrNoPerm},
		{name: "open no pool handle", cmd: &Command{Op: OpContOpen, PoolHandle: uuid(999), Cont: c1, Handle: h, Flags: FlagRO}, want: daos.ErrNoHdl},
		{name: "open missing", cmd: &Command{Op: OpContOpen, PoolHandle: ph, Cont: "c9", Handle: h, Flags: FlagRO}, want: daos.ErrNonexist},
		{name: "open bad handle", cmd: &Command{Op: OpContOpen, PoolHandle: ph, Cont: c1, Handle: "x", Flags: FlagRO}, want: daos.ErrInval},
		{name: "open bad flags", cmd: &Command{Op: OpContOpen, PoolHandle: ph, Cont: c1, Handle: h, Flags: FlagForce}, want: daos.ErrInval},
		{name: "open ex while open", cmd: &Command{Op: OpContOpen, PoolHandle: ph, Cont: c1, Handle: h, Flags: FlagEX}, want: daos.ErrBusy},
		{name: "open while ex", setup: []*Command{{Op: OpContClose, Handle: ch}, {Op: OpContClose, Handle: chRO},
			{Op: OpContOpen, PoolHandle: ph, Cont: c1, Handle: ch, Flags: FlagEX}},
			cmd: &Command{Op: OpContOpen, PoolHandle: ph, Cont: c1, Handle: h, Flags: FlagRO}, want: daos.ErrBusy},
		{name: "open same handle other flags", cmd: &Command{Op: OpContOpen, PoolHandle: ph, Cont: c1, Handle: ch, Flags: FlagRO}, want: daos.ErrExist},
		{name: "open handle of another container", setup: []*Command{cc(nop)},
			cmd: &Command{Op: OpContOpen, PoolHandle: ph, Cont: c2, Handle: ch, Flags: FlagRW}, want: daos.ErrExist},
		{name: "open rw via ro pool handle", cmd: &Command{Op: OpContOpen, PoolHandle: phRO, Cont: c1, Handle: h, Flags: FlagRW}, want: daos.ErrNoPerm},
		{name: "open no acl perm", setup: bobSetup, cmd: &Command{Op: OpContOpen, PoolHandle: bobRO, Cont: c1, Handle: h, Flags: FlagRO}, want: daos.ErrNoPerm},
		{name: "open unclean", setup: []*Command{exclude}, cmd: &Command{Op: OpContOpen, PoolHandle: ph, Cont: c1, Handle: h, Flags: FlagRO}, want: daos.ErrRf},
		{name: "set_props none", cmd: &Command{Op: OpContSetProps, Handle: ch}, want: daos.ErrInval},
		{name: "set_props no handle", cmd: &Command{Op: OpContSetProps, Handle: uuid(999), Props: map[string]string{"label": "x"}}, want: daos.ErrNoHdl},
		{name: "set_props ro handle", cmd: &Command{Op: OpContSetProps, Handle: chRO, Props: map[string]string{"label": "x"}}, want: daos.ErrNoPerm},
		{name: "set_props create-only", cmd: &Command{Op: OpContSetProps, Handle: ch, Props: map[string]string{"cksum": "crc32"}}, want: daos.ErrInval},
		{name: "set_props read-only", cmd: &Command{Op: OpContSetProps, Handle: ch, Props: map[string]string{"alloc_oid": "5"}}, want: daos.ErrInval},
		{name: "set_props layout", cmd: &Command{Op: OpContSetProps, Handle: ch, Props: map[string]string{"layout_type": "HDF5"}}, want: daos.ErrInval},
		{name: "set_props unclean", cmd: &Command{Op: OpContSetProps, Handle: ch, Props: map[string]string{"status": "unclean"}}, want: daos.ErrInval},
		{name: "set_props dup label", setup: []*Command{cc(nop)}, cmd: &Command{Op: OpContSetProps, Handle: ch, Props: map[string]string{"label": "c2"}}, want: daos.ErrExist},
		{name: "set_props bad label", cmd: &Command{Op: OpContSetProps, Handle: ch, Props: map[string]string{"label": ""}}, want: daos.ErrInval},
		{name: "set_props no T", setup: bobRW, cmd: &Command{Op: OpContSetProps, Handle: h, Props: map[string]string{"label": "x"}}, want: daos.ErrNoPerm},
		{name: "set_props no o", setup: bobRW, cmd: &Command{Op: OpContSetProps, Handle: h, Props: map[string]string{"owner": "bob@"}}, want: daos.ErrNoPerm},
		{name: "set_props bad owner", cmd: &Command{Op: OpContSetProps, Handle: ch, Props: map[string]string{"owner": "bob"}}, want: daos.ErrInval},
		{name: "acl no A", setup: bobRW, cmd: &Command{Op: OpACLUpdate, Handle: h, ACL: []string{"A::bob@:rwA"}}, want: daos.ErrNoPerm},
		{name: "acl ro handle", cmd: &Command{Op: OpACLUpdate, Handle: chRO, ACL: []string{"A::bob@:r"}}, want: daos.ErrNoPerm},
		{name: "acl pool perm on container", cmd: &Command{Op: OpACLUpdate, Handle: ch, ACL: []string{"A::bob@:c"}}, want: daos.ErrInval},
		{name: "acl delete missing", cmd: &Command{Op: OpACLDelete, Handle: ch, Principal: "u:bob@"}, want: daos.ErrNonexist},
		{name: "set_attrs ro", cmd: &Command{Op: OpContSetAttrs, Handle: chRO, Attrs: map[string][]byte{"a": nil}}, want: daos.ErrNoPerm},
		{name: "set_attrs no handle", cmd: &Command{Op: OpContSetAttrs, Handle: uuid(999), Attrs: map[string][]byte{"a": nil}}, want: daos.ErrNoHdl},
		{name: "set_attrs long name", cmd: &Command{Op: OpContSetAttrs, Handle: ch, Attrs: map[string][]byte{string(make([]byte, 512)): nil}}, want: daos.ErrInval},
		{name: "del_attrs missing", cmd: &Command{Op: OpContDelAttrs, Handle: ch, Names: []string{"a"}}, want: daos.ErrNonexist},
		{name: "alloc zero", cmd: &Command{Op: OpAllocOIDs, Handle: ch}, want: daos.ErrInval},
		{name: "alloc ro", cmd: &Command{Op: OpAllocOIDs, Handle: chRO, Num: 1}, want: daos.ErrNoPerm},
		{name: "alloc no handle", cmd: &Command{Op: OpAllocOIDs, Handle: uuid(999), Num: 1}, want: daos.ErrNoHdl},
		{name: "alloc overflow", cmd: &Command{Op: OpAllocOIDs, Handle: ch, Num: math.MaxUint64}, want: daos.ErrOverflow},
		{name: "snap epoch 0", cmd: &Command{Op: OpSnapCreate, Handle: ch}, want: daos.ErrInval},
		{name: "snap ro", cmd: &Command{Op: OpSnapCreate, Handle: chRO, Epoch: 5}, want: daos.ErrNoPerm},
		{name: "snap long name", cmd: &Command{Op: OpSnapCreate, Handle: ch, Epoch: 5, Name: string(make([]byte, 128))}, want: daos.ErrInval},
		{name: "snap dup epoch", setup: []*Command{{Op: OpSnapCreate, Handle: ch, Epoch: 5, Name: "a"}},
			cmd: &Command{Op: OpSnapCreate, Handle: ch, Epoch: 5, Name: "b"}, want: daos.ErrExist},
		{name: "snap dup name", setup: []*Command{{Op: OpSnapCreate, Handle: ch, Epoch: 5, Name: "a"}},
			cmd: &Command{Op: OpSnapCreate, Handle: ch, Epoch: 6, Name: "a"}, want: daos.ErrExist},
		{name: "snap destroy neither", cmd: &Command{Op: OpSnapDestroy, Handle: ch}, want: daos.ErrInval},
		{name: "snap destroy missing", setup: []*Command{{Op: OpSnapCreate, Handle: ch, Epoch: 5, Name: "a"}},
			cmd: &Command{Op: OpSnapDestroy, Handle: ch, Epoch: 6}, want: daos.ErrNonexist},
		{name: "snap destroy wrong name", setup: []*Command{{Op: OpSnapCreate, Handle: ch, Epoch: 5, Name: "a"}},
			cmd: &Command{Op: OpSnapDestroy, Handle: ch, Epoch: 5, Name: "b"}, want: daos.ErrNonexist},
		{name: "snap destroy ro", setup: []*Command{{Op: OpSnapCreate, Handle: ch, Epoch: 5}},
			cmd: &Command{Op: OpSnapDestroy, Handle: chRO, Epoch: 5}, want: daos.ErrNoPerm},
		{name: "snap oit missing", cmd: &Command{Op: OpSnapOIT, Handle: ch, Epoch: 6, Flags: SnapHasOIT}, want: daos.ErrNonexist},
		{name: "snap oit flags", setup: []*Command{{Op: OpSnapCreate, Handle: ch, Epoch: 5}},
			cmd: &Command{Op: OpSnapOIT, Handle: ch, Epoch: 5, Flags: 2}, want: daos.ErrInval},
		{name: "snap oit ro", setup: []*Command{{Op: OpSnapCreate, Handle: ch, Epoch: 5}},
			cmd: &Command{Op: OpSnapOIT, Handle: chRO, Epoch: 5, Flags: SnapHasOIT}, want: daos.ErrNoPerm},
	})
}
