package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

var listedEpoch daos.Epoch

func (c *fakeCont) ListObjects(_ context.Context, epoch daos.Epoch) ([]daos.ObjectID, error) {
	listedEpoch = epoch
	if epoch != 0 && epoch < 0x100 {
		return nil, nil
	}
	return []daos.ObjectID{{Hi: 1, Lo: 2}, {Hi: 0x20000000000, Lo: 7}}, nil
}

func TestContainerListObjects(t *testing.T) {
	f := &fakePool{}
	out, errOut, code := run(t, f, "container", "list-objects", "tank", "c1")
	if code != 0 || f.flags != client.RO || !f.cont.closed || listedEpoch != 0 {
		t.Fatalf("%d %s %s", code, out, errOut)
	}
	if out != "1.2\n2199023255552.7\n" {
		t.Errorf("got %q", out)
	}
	out, _, code = run(t, f, "-j", "container", "list-obj", "tank", "c1", "--epc", "0x80")
	var ids []string
	if e := decode(t, out); code != 0 || json.Unmarshal(e.Response, &ids) != nil || len(ids) != 0 || listedEpoch != 0x80 {
		t.Errorf("json at an epoch: %s (epoch %#x)", out, listedEpoch)
	}
	out, _, _ = run(t, f, "container", "list-objects", "tank", "c1", "--epc", "0x80")
	if !strings.Contains(out, "No objects") {
		t.Errorf("empty: %q", out)
	}
	out, _, code = run(t, f, "-j", "container", "list-objects", "tank", "c1", "--epc", "soon")
	if e := decode(t, out); code == 0 || e.Error == nil || !strings.Contains(*e.Error, "--epc") {
		t.Errorf("bad epoch: %s", out)
	}
}
