package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/poolsvc"
)

const poolUUID = "6f1e2c4a-8a4b-4d6e-9c21-0a1b2c3d4e5f"

// fakePool records what the commands ask of a pool.
type fakePool struct {
	sys, pool    string
	flags        uint64
	conts        []*poolsvc.ContInfo
	created      []string // label|type|props
	destroyed    string
	force        bool
	disconnected bool
	done         bool
	connectErr   error
	attrs        map[string][]byte
	cont         *fakeCont // the container OpenCont opens, made on first use
	openErr      error
}

func (f *fakePool) connect(_ context.Context, sys, pool string, flags uint64) (poolHandle, func(), error) {
	f.sys, f.pool, f.flags = sys, pool, flags
	if f.connectErr != nil {
		return nil, nil, f.connectErr
	}
	return f, func() { f.done = true }, nil
}

func (f *fakePool) UUID() string { return poolUUID }
func (f *fakePool) Query(context.Context) (*poolsvc.PoolInfo, error) {
	return &poolsvc.PoolInfo{UUID: poolUUID, Label: "tank", State: "Ready", MapVersion: 2, SvcRanks: []uint32{0, 1, 2},
		TotalTargets: 12, ActiveTargets: 12, TotalEngines: 3, EnabledRanks: []uint32{0, 1, 2}, Rebuild: "idle"}, nil
}
func (f *fakePool) ListContainers(context.Context) ([]*poolsvc.ContInfo, error) { return f.conts, nil }
func (f *fakePool) CreateContainer(_ context.Context, label, typ string, props map[string]string) (*poolsvc.ContInfo, error) {
	b, _ := json.Marshal(props)
	f.created = append(f.created, label+"|"+typ+"|"+string(b))
	c := &poolsvc.ContInfo{UUID: "0d6c7c1e-1111-4222-8333-444455556666", Label: label, Type: typ,
		Props: map[string]string{"label": label, "layout_type": typ, "rd_fac": "0", "chunk_size": "1048576", "oclass": "auto"}}
	f.conts = append(f.conts, c)
	return c, nil
}
func (f *fakePool) DestroyContainer(_ context.Context, id string, force bool) error {
	f.destroyed, f.force = id, force
	if id == "nope" {
		return daos.Errorf(daos.ErrNonexist, "pool %s: no container %q", poolUUID, id)
	}
	return nil
}
func (f *fakePool) QueryContainer(_ context.Context, id string) (*poolsvc.ContInfo, error) {
	for _, c := range f.conts {
		if c.Label == id || c.UUID == id {
			return c, nil
		}
	}
	return nil, daos.Errorf(daos.ErrNonexist, "no container %q", id)
}
func (f *fakePool) Disconnect(context.Context) error { f.disconnected = true; return nil }

func run(t *testing.T, f *fakePool, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cmdutil.Execute(newRoot(f.connect), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

type envelope struct {
	Response json.RawMessage `json:"response"`
	Error    *string         `json:"error"`
	Status   int             `json:"status"`
}

func decode(t *testing.T, s string) envelope {
	t.Helper()
	var e envelope
	if err := json.Unmarshal([]byte(s), &e); err != nil {
		t.Fatalf("not a JSON envelope: %v\n%s", err, s)
	}
	return e
}

func TestPoolQuery(t *testing.T) {
	f := &fakePool{}
	out, errOut, code := run(t, f, "pool", "query", "tank", "-e")
	if code != 0 {
		t.Fatal(errOut)
	}
	for _, want := range []string{"Pool " + poolUUID + ", ntarget=12, disabled=0, version=2, state=Ready",
		"Pool label: tank", "- Enabled ranks: 0-2", "- Rebuild idle", "Pool service replicas: [0-2]"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if f.pool != "tank" || f.flags != client.RO || f.sys != "daos_server" || !f.disconnected || !f.done {
		t.Errorf("connection: %+v", f)
	}
	out, _, code = run(t, f, "-j", "-G", "other", "pool", "query", "tank")
	e := decode(t, out)
	var info poolsvc.PoolInfo
	if code != 0 || e.Status != 0 || json.Unmarshal(e.Response, &info) != nil || info.TotalTargets != 12 || f.sys != "other" {
		t.Errorf("JSON query: %d %s %+v", code, out, f)
	}
	// DAOS's rebuild object.
	var rb struct {
		Rebuild map[string]any `json:"rebuild"`
	}
	if err := json.Unmarshal(e.Response, &rb); err != nil || rb.Rebuild["state"] != info.Rebuild || rb.Rebuild["objects"] != 0.0 {
		t.Errorf("JSON query's rebuild: %v, %v", rb, err)
	}
}

func TestConnectErrorEnvelope(t *testing.T) {
	f := &fakePool{connectErr: daos.Errorf(daos.ErrNonexist, "connect to pool %q", "nosuch")}
	out, errOut, code := run(t, f, "pool", "query", "nosuch", "-j")
	e := decode(t, out)
	if code == 0 || e.Status != -1005 || e.Error == nil || !strings.Contains(*e.Error, "DER_NONEXIST") {
		t.Errorf("got %d %s", code, out)
	}
	if !strings.Contains(errOut, "DER_NONEXIST") {
		t.Errorf("stderr: %s", errOut)
	}
	// A bad label is refused before connecting.
	f = &fakePool{}
	if _, _, code := run(t, f, "pool", "query", "bad label"); code == 0 || f.pool != "" {
		t.Errorf("bad label accepted: %+v", f)
	}
}

func TestContainerCreate(t *testing.T) {
	cases := []struct {
		args []string
		want string // label|type|props, "" for an error
	}{
		{[]string{"tank", "c1", "-t", "posix"}, `c1|POSIX|{}`},
		{[]string{"tank", "--type", "RNTuple"}, `|ROOT|{}`},
		{[]string{"tank", "c2", "-t", "db"}, `c2|DATABASE|{}`},
		{[]string{"tank", "c2", "-t", "dsg"}, `c2|SEISMIC|{}`},
		{[]string{"tank", "c2", "-t", "Fdb"}, `c2|METEO|{}`},
		{[]string{"tank", "c2"}, `c2|unknown|{}`},
		{[]string{"tank", "c3", "-t", "POSIX", "-z", "4MiB", "-o", "sx"}, `c3|POSIX|{"chunk_size":"4MiB","oclass":"sx"}`},
		{[]string{"tank", "--properties", "label:c4,rf:1,cksum:crc32"}, `c4|unknown|{"cksum":"crc32","rd_fac":"1"}`},
		{[]string{"tank", "c5", "--properties", "label:other"}, ""},
		{[]string{"tank", "c5", "-t", "nosuch"}, ""},
		{[]string{"tank", "c5", "--properties", "nosuch:1"}, ""},
		{[]string{"tank", "c5", "--properties", "layout_version:2"}, ""},
		{[]string{"tank", "c5", "--properties", "rd_fac"}, ""},
		{[]string{"tank", "c5", "--properties", "rd_fac:9"}, ""},
		{[]string{"tank", "c5", "-o", "NOSUCHCLASS"}, ""},
		{[]string{"tank", "bad label"}, ""},
	}
	for _, c := range cases {
		f := &fakePool{}
		out, errOut, code := run(t, f, append([]string{"container", "create"}, c.args...)...)
		if c.want == "" {
			if code == 0 || f.pool != "" {
				t.Errorf("%v: accepted (%s)", c.args, out)
			}
			continue
		}
		if code != 0 || len(f.created) != 1 || f.created[0] != c.want {
			t.Errorf("%v: got %v %s, want %s", c.args, f.created, errOut, c.want)
			continue
		}
		if f.flags != client.RW || !f.disconnected {
			t.Errorf("%v: flags %d disconnected %v", c.args, f.flags, f.disconnected)
		}
		if !strings.Contains(out, "Successfully created container 0d6c7c1e-1111-4222-8333-444455556666") {
			t.Errorf("%v: output %s", c.args, out)
		}
	}
	f := &fakePool{}
	out, _, code := run(t, f, "cont", "create", "tank", "c1", "-t", "POSIX", "-j")
	var ci contInfo
	e := decode(t, out)
	if code != 0 || json.Unmarshal(e.Response, &ci) != nil || ci.ContainerLabel != "c1" || ci.Type != "POSIX" ||
		ci.PoolUUID != poolUUID || ci.ChunkSize != 1<<20 {
		t.Errorf("JSON create: %s", out)
	}
}

func TestContainerListQueryDestroy(t *testing.T) {
	f := &fakePool{conts: []*poolsvc.ContInfo{
		{UUID: "0d6c7c1e-1111-4222-8333-444455556666", Label: "c1", Type: "POSIX", Status: "HEALTHY",
			Props: map[string]string{"label": "c1", "layout_type": "POSIX", "rd_fac": "2", "cksum": "off", "alloced_oid": "12"},
			Owner: "alice@", Group: "users@", NumHandles: 1, CTime: time.Unix(1, 0),
			ACL: []string{"A::OWNER@:rwdtTaAo", "A:G:GROUP@:rwtT"}},
	}}
	for _, args := range [][]string{{"pool", "list-cont", "tank"}, {"pool", "list-containers", "tank"}, {"container", "ls", "tank"}} {
		out, _, code := run(t, f, args...)
		if code != 0 || !strings.Contains(out, "UUID") || !strings.Contains(out, "0d6c7c1e-1111-4222-8333-444455556666 c1") || f.flags != client.RO {
			t.Errorf("%v: %s", args, out)
		}
	}
	out, _, _ := run(t, f, "container", "list", "tank", "-v")
	if !strings.Contains(out, "Type") || !strings.Contains(out, "POSIX") {
		t.Errorf("verbose list: %s", out)
	}
	out, _, _ = run(t, f, "container", "list", "tank", "-j")
	var list []contInfo
	if e := decode(t, out); json.Unmarshal(e.Response, &list) != nil || len(list) != 1 || list[0].ContainerLabel != "c1" {
		t.Errorf("JSON list: %s", out)
	}

	out, _, code := run(t, f, "container", "query", "tank", "c1")
	for _, want := range []string{"Container UUID", "0d6c7c1e-1111-4222-8333-444455556666", "Container Type", "POSIX",
		"Container redundancy factor: 2", "Number of open handles     : 1", "Latest open time           : 0x",
		"Latest close/modify time   : "} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("query: missing %q in\n%s", want, out)
		}
	}
	out, _, code = run(t, f, "container", "query", "tank", "c9", "-j")
	if e := decode(t, out); code == 0 || e.Status != -1005 {
		t.Errorf("query of a missing container: %s", out)
	}

	out, _, code = run(t, f, "container", "get-prop", "tank", "c1", "rd_fac,owner")
	if code != 0 || !strings.Contains(out, "rd_fac") || !strings.Contains(out, "alice@") || strings.Contains(out, "cksum") {
		t.Errorf("get-prop: %s", out)
	}
	out, _, _ = run(t, f, "container", "get-prop", "tank", "c1", "-j")
	var props []contProp
	if e := decode(t, out); json.Unmarshal(e.Response, &props) != nil || len(props) != 8 || props[0].Name != "label" ||
		!strings.Contains(out, `"alloced_oid"`) {
		t.Errorf("JSON get-prop: %s", out)
	}
	out, _, code = run(t, f, "container", "get-prop", "tank", "c1", "acl")
	if code != 0 || !strings.Contains(out, "A::OWNER@:rwdtTaAo, A:G:GROUP@:rwtT") {
		t.Errorf("get-prop acl: %s", out)
	}
	if _, _, code := run(t, f, "container", "get-prop", "tank", "c1", "nosuch"); code == 0 {
		t.Error("get-prop of an unknown property")
	}

	out, _, code = run(t, f, "container", "destroy", "tank", "c1", "-f")
	if code != 0 || f.destroyed != "c1" || !f.force || f.flags != client.RW || !strings.Contains(out, "Successfully destroyed container c1") {
		t.Errorf("destroy: %s %+v", out, f)
	}
	out, _, code = run(t, f, "container", "destroy", "tank", "nope", "-j")
	if e := decode(t, out); code == 0 || e.Status != -1005 || !f.disconnected {
		t.Errorf("destroy of a missing container: %s", out)
	}
	if _, _, code := run(t, f, "container", "destroy", "tank"); code == 0 {
		t.Error("destroy without a container")
	}
}
