package poolsvc

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/daos-go/daos/pkg/placement"
)

// randomCommand draws a command from a small world of handles,
// containers, labels and users, so that successes and refusals both
// happen often.
func randomCommand(r *rand.Rand) *Command {
	pick := func(xs ...string) string { return xs[r.Intn(len(xs))] }
	hdl := func(base int) string { return uuid(base + r.Intn(4)) }
	cred := []Cred{alice, bob, {User: "carol@", Groups: []string{"ops@", "staff@"}}}[r.Intn(3)]
	flags := []uint64{FlagRO, FlagRW, FlagEX, FlagRO | FlagForce, 0}[r.Intn(5)]
	cont := pick(uuid(200), uuid(201), uuid(202), "l0", "l1", "nope")
	label := pick("", "l0", "l1", "l2")
	tgt := []placement.TargetRef{{Rank: uint32(r.Intn(4)), Index: r.Intn(6) - 1}}
	switch r.Intn(24) {
	case 0:
		return &Command{Op: OpConnect, Handle: hdl(100), Flags: flags, Cred: cred, Machine: pick("n1", "n2")}
	case 1:
		return &Command{Op: OpDisconnect, Handle: hdl(100)}
	case 2:
		return &Command{Op: OpEvict, Machine: pick("", "n1", "n2")}
	case 3:
		return &Command{Op: OpSetProps, Props: map[string]string{pick("label", "space_rb", "reclaim", "svc_rf"): pick("p1", "7", "lazy", "time")}}
	case 4:
		return &Command{Op: OpSetAttrs, Attrs: map[string][]byte{pick("a", "b", ""): {byte(r.Intn(256))}}}
	case 5:
		return &Command{Op: OpDelAttrs, Names: []string{pick("a", "b")}}
	case 6:
		return &Command{Op: pick(OpACLUpdate, OpACLOverwrite), ACL: []string{pick("A::EVERYONE@:rw", "A::bob@:r", "A:G:ops@:rw", "bad")}}
	case 7:
		return &Command{Op: OpACLDelete, Principal: pick("EVERYONE@", "u:bob@", "g:ops@")}
	case 8:
		return &Command{Op: OpMapUpdate, MapOp: pick(MapExclude, MapDrain, MapReintegrate, MapAddIn, MapExcludeOut, MapRebuildDone), Targets: tgt}
	case 9:
		return &Command{Op: OpMapUpdate, MapOp: MapExtend, NewRanks: []placement.RankSpec{{Rank: uint32(3 + r.Intn(3)), Targets: 2}}}
	case 10:
		if r.Intn(4) == 0 {
			return &Command{Op: OpDestroyBegin, Force: r.Intn(2) == 0}
		}
		return &Command{Op: OpSetOwner, Owner: pick("alice@", "bob@", "x")}
	case 11, 12:
		return &Command{Op: OpContCreate, PoolHandle: hdl(100), ContCreate: &ContCreateArgs{UUID: uuid(200 + r.Intn(3)),
			Label: label, Type: pick("", "POSIX", "HDF5"), Props: map[string]string{pick("rd_fac", "cksum", "oclass"): pick("1", "crc32", "S1", "bad")}}}
	case 13:
		return &Command{Op: OpContDestroy, PoolHandle: hdl(100), Cont: cont, Force: r.Intn(2) == 0}
	case 14, 15:
		return &Command{Op: OpContOpen, PoolHandle: hdl(100), Cont: cont, Handle: hdl(300), Flags: flags}
	case 16:
		return &Command{Op: OpContClose, Handle: hdl(300)}
	case 17:
		return &Command{Op: OpContSetProps, Handle: hdl(300), Props: map[string]string{pick("label", "status", "owner", "cksum"): pick("l3", "healthy", "bob@")}}
	case 18:
		return &Command{Op: pick(OpContSetAttrs, OpContDelAttrs), Handle: hdl(300), Attrs: map[string][]byte{"k": {1}}, Names: []string{"k"}}
	case 19, 20:
		return &Command{Op: OpAllocOIDs, Handle: hdl(300), Num: uint64(r.Intn(100))}
	case 21:
		return &Command{Op: OpSnapCreate, Handle: hdl(300), Epoch: uint64(r.Intn(20)), Name: pick("", "s1", "s2")}
	case 22:
		if r.Intn(2) == 0 {
			return &Command{Op: OpSnapOIT, Handle: hdl(300), Epoch: uint64(r.Intn(20)), Flags: uint64(r.Intn(2))}
		}
		return &Command{Op: OpSnapDestroy, Handle: hdl(300), Epoch: uint64(r.Intn(20)), Name: pick("", "s1")}
	}
	return &Command{Op: pick(OpACLUpdate, OpContSetProps), Handle: hdl(300), ACL: []string{"A::carol@:rwA"}, Props: map[string]string{"label": label}}
}

func TestDeterminism(t *testing.T) {
	for seed := int64(1); seed <= 20; seed++ {
		r := rand.New(rand.NewSource(seed))
		cmds := []*Command{{Op: OpCreate, Create: createArgs()}}
		for range 400 {
			cmds = append(cmds, randomCommand(r))
		}
		for i, c := range cmds {
			c.Time = t0.Add(time.Duration(i) * time.Millisecond)
		}
		// a applies everything directly; b goes through the encoded log
		// and, half-way, through a snapshot into a fresh replica.
		a, b := New(), NewMachine()
		half := len(cmds) / 2
		var ok int
		for i, c := range cmds {
			if i == half {
				sn, err := b.Snapshot()
				if err != nil {
					t.Fatal(err)
				}
				b = NewMachine()
				if err := b.Restore(sn); err != nil {
					t.Fatal(err)
				}
			}
			enc, err := c.Encode()
			if err != nil {
				t.Fatal(err)
			}
			ra, rb := a.Apply(c), b.Apply(enc)
			if fmt.Sprint(ra) != fmt.Sprint(rb) {
				t.Fatalf("seed %d command %d (%s): results differ: %v vs %v", seed, i, c.Op, ra, rb)
			}
			if _, failed := ra.(error); !failed {
				ok++
			}
		}
		sa, sb := snap(t, a), snap(t, b.State)
		if !bytes.Equal(sa, sb) {
			t.Fatalf("seed %d: replicas differ:\n%s\n%s", seed, sa, sb)
		}
		if ok < 40 {
			t.Errorf("seed %d: only %d of %d commands succeeded", seed, ok, len(cmds))
		}
	}
}
