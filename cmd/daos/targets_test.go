package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/poolsvc"
)

var fakeTargetStates = []string{"UPIN", "DOWN", "UPIN", "DRAIN"}

func (f *fakePool) QueryTargets(_ context.Context, rank uint32, idx ...uint32) ([]poolsvc.TargetInfo, error) {
	if rank > 2 {
		return nil, daos.Errorf(daos.ErrNonexist, "rank %d holds no targets", rank)
	}
	if len(idx) == 0 {
		idx = []uint32{0, 1, 2, 3}
	}
	var out []poolsvc.TargetInfo
	for _, i := range idx {
		if i > 3 {
			return nil, daos.Errorf(daos.ErrNonexist, "no target index %d", i)
		}
		out = append(out, poolsvc.TargetInfo{Rank: rank, Index: i, State: fakeTargetStates[i]})
	}
	return out, nil
}

func TestPoolQueryTargets(t *testing.T) {
	f := &fakePool{}
	out, errOut, code := run(t, f, "pool", "query-targets", "tank", "--rank", "1", "--target-idx", "1,3")
	if code != 0 || !f.disconnected {
		t.Fatalf("%d %s %s", code, out, errOut)
	}
	want := "Target: rank 1, target index 1\n- State: DOWN\nTarget: rank 1, target index 3\n- State: DRAIN\n"
	if !strings.HasPrefix(out, want) || !strings.Contains(out, "not available here") {
		t.Errorf("got %q", out)
	}
	out, _, code = run(t, f, "-j", "pool", "query-targets", "tank", "--rank", "2", "--target-idx", "0-2")
	var infos []poolsvc.TargetInfo
	if e := decode(t, out); code != 0 || json.Unmarshal(e.Response, &infos) != nil || len(infos) != 3 || infos[1].State != "DOWN" || infos[2].Rank != 2 {
		t.Errorf("json: %s", out)
	}
	out, _, _ = run(t, f, "pool", "query-targets", "tank", "--rank", "0")
	if strings.Count(out, "Target: rank 0") != 4 {
		t.Errorf("all targets: %s", out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"tank"}, "rank"},
		{[]string{"tank", "--rank", "-3"}, "--rank -3"},
		{[]string{"tank", "--rank", "0", "--target-idx", "1,x"}, `"x" is not a target index`},
		{[]string{"tank", "--rank", "0", "--target-idx", "3-1"}, `"3-1"`},
		{[]string{"tank", "--rank", "5"}, "rank 5 holds no targets"},
		{[]string{"tank", "--rank", "0", "--target-idx", "9"}, "no target index 9"},
		{[]string{"bad/name", "--rank", "0"}, "pool"},
	} {
		out, _, code := run(t, f, append([]string{"-j", "pool", "query-targets"}, tc.args...)...)
		if e := decode(t, out); code == 0 || e.Error == nil || !strings.Contains(*e.Error, tc.want) {
			t.Errorf("%v: want an error naming %q, got %s", tc.args, tc.want, out)
		}
	}
}

func TestContainerStatIsQuery(t *testing.T) {
	f := &fakePool{conts: []*poolsvc.ContInfo{{UUID: "0d6c7c1e-1111-4222-8333-444455556666", Label: "c1", Type: "POSIX"}}}
	q, _, c1 := run(t, f, "container", "query", "tank", "c1")
	s, _, c2 := run(t, f, "container", "stat", "tank", "c1")
	if c1 != 0 || c2 != 0 || q != s || !strings.Contains(s, "c1") {
		t.Errorf("stat differs from query:\n%s\n%s", q, s)
	}
}
