package main

import (
	"context"
	"strings"
	"testing"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

var evicted []bool

func (c *fakeCont) Evict(_ context.Context, all bool) error {
	if c.flags&client.RW == 0 {
		return daos.Errorf(daos.ErrNoPerm, "read-only handle")
	}
	if all && c.aclState().Owner != "alice@" {
		return daos.Errorf(daos.ErrNoPerm, "no o permission")
	}
	evicted = append(evicted, all)
	return nil
}

func TestContainerEvict(t *testing.T) {
	evicted = nil
	f := &fakePool{}
	out, errOut, code := run(t, f, "container", "evict", "tank", "c1")
	if code != 0 || f.flags != client.RW || !f.cont.closed || !strings.Contains(out, "Evicted this user's handles") {
		t.Fatalf("%d %s %s", code, out, errOut)
	}
	out, _, code = run(t, f, "-j", "container", "evict", "tank", "c1", "--all")
	if e := decode(t, out); code != 0 || !strings.Contains(strings.Join(strings.Fields(string(e.Response)), ""), `"all":true`) {
		t.Errorf("evict -a -j: %s", out)
	}
	if len(evicted) != 2 || evicted[0] || !evicted[1] {
		t.Errorf("evictions %v", evicted)
	}
	f.cont.aclState().Owner = "bob@"
	out, _, code = run(t, f, "-j", "container", "evict", "tank", "c1", "-a")
	if e := decode(t, out); code == 0 || e.Status != daos.ErrNoPerm.DerCode() {
		t.Errorf("refused evict: %s", out)
	}
}
