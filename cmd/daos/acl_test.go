package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// The fake container keeps its ACL with poolsvc's own ACL rules.
func (c *fakeCont) aclState() *client.ContACL {
	if c.acl == nil {
		c.acl = &client.ContACL{Cont: c.UUIDString(), ACL: append([]string(nil), poolsvc.DefaultContACL...),
			Owner: "alice@", Group: "staff@"}
	}
	return c.acl
}
func (c *fakeCont) GetACL(context.Context) (*client.ContACL, error) {
	a := *c.aclState()
	return &a, nil
}
func (c *fakeCont) change(f func(poolsvc.ACL) (poolsvc.ACL, error)) error {
	if c.flags&client.RW == 0 {
		return daos.Errorf(daos.ErrNoPerm, "read-only handle")
	}
	acl, err := poolsvc.ParseACL(c.aclState().ACL)
	if err != nil {
		return err
	}
	if acl, err = f(acl); err != nil {
		return err
	}
	c.acl.ACL = acl.Strings()
	return nil
}
func (c *fakeCont) OverwriteACL(_ context.Context, e []string) error {
	return c.change(func(poolsvc.ACL) (poolsvc.ACL, error) { return poolsvc.ParseACL(e) })
}
func (c *fakeCont) UpdateACL(_ context.Context, e []string) error {
	return c.change(func(a poolsvc.ACL) (poolsvc.ACL, error) {
		add, err := poolsvc.ParseACL(e)
		return a.Update(add), err
	})
}
func (c *fakeCont) DeleteACL(_ context.Context, p string) error {
	return c.change(func(a poolsvc.ACL) (poolsvc.ACL, error) { return a.Delete(p) })
}
func (c *fakeCont) SetOwner(_ context.Context, owner, group string) error {
	return c.change(func(a poolsvc.ACL) (poolsvc.ACL, error) {
		if owner != "" {
			c.acl.Owner = owner
		}
		if group != "" {
			c.acl.Group = group
		}
		return a, nil
	})
}

func TestContainerACLCommands(t *testing.T) {
	f := &fakePool{}
	out, errOut, code := run(t, f, "container", "get-acl", "tank", "c1")
	if code != 0 || f.flags != client.RO || !f.cont.closed || !f.disconnected {
		t.Fatalf("get-acl: %d %s %s", code, out, errOut)
	}
	if out != "# Entries:\nA::OWNER@:rwdtTaAo\nA:G:GROUP@:rwtT\n" {
		t.Errorf("get-acl: %q", out)
	}
	out, _, _ = run(t, f, "container", "get-acl", "tank", "c1", "-V")
	if !strings.HasPrefix(out, "# Owner: alice@\n# Owner Group: staff@\n# Entries:\n") {
		t.Errorf("get-acl -V: %q", out)
	}

	dir := t.TempDir()
	outFile := filepath.Join(dir, "acl.txt")
	out, _, code = run(t, f, "container", "get-acl", "tank", "c1", "-O", outFile)
	b, _ := os.ReadFile(outFile)
	if code != 0 || !strings.Contains(out, outFile) || !strings.Contains(string(b), "A::OWNER@:rwdtTaAo") {
		t.Errorf("get-acl -O: %d %q %q", code, out, b)
	}
	out, _, code = run(t, f, "-j", "container", "get-acl", "tank", "c1", "-O", outFile)
	if e := decode(t, out); code == 0 || e.Error == nil || !strings.Contains(*e.Error, "--force") {
		t.Errorf("an existing outfile without -f: %s", out)
	}
	if _, _, code = run(t, f, "container", "get-acl", "tank", "c1", "-O", outFile, "-f"); code != 0 {
		t.Errorf("-f overwrites")
	}

	// update-acl by entry, then by file; the answer is the new ACL.
	out, errOut, code = run(t, f, "container", "update-acl", "tank", "c1", "-e", "A::bob@:rw")
	if code != 0 || f.flags != client.RW || !strings.Contains(out, "A::bob@:rw\n") {
		t.Fatalf("update-acl -e: %d %s %s", code, out, errOut)
	}
	aclFile := filepath.Join(dir, "new.acl")
	os.WriteFile(aclFile, []byte("# comment\n\nA:G:ops@:r\nA::OWNER@:rwaAo\n"), 0o644)
	out, _, code = run(t, f, "-j", "container", "update-acl", "tank", "c1", "--acl-file", aclFile)
	var got aclInfo
	if e := decode(t, out); code != 0 || json.Unmarshal(e.Response, &got) != nil {
		t.Fatalf("update-acl -f: %s", out)
	}
	if strings.Join(got.ACL, " ") != "A::OWNER@:rwaAo A::bob@:rw A:G:GROUP@:rwtT A:G:ops@:r" || got.Owner != "alice@" {
		t.Errorf("update-acl -f: %+v", got)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"update-acl", "tank", "c1"}, "-e/--entry or -f/--acl-file"},
		{[]string{"update-acl", "tank", "c1", "-e", "A::bob@:rw", "-f", aclFile}, "not both"},
		{[]string{"update-acl", "tank", "c1", "-e", "A::bob@:rz"}, "--entry"},
		{[]string{"overwrite-acl", "tank", "c1"}, "acl-file"},
		{[]string{"overwrite-acl", "tank", "c1", "-f", filepath.Join(dir, "nosuch")}, "--acl-file"},
		{[]string{"delete-acl", "tank", "c1"}, "principal"},
		{[]string{"delete-acl", "tank", "c1", "-P", "bob@"}, `--principal "bob@"`},
		{[]string{"delete-acl", "tank", "c1", "-P", "u:nobody@"}, "no ACE for principal"},
		{[]string{"set-owner", "tank", "c1"}, "give a new owner"},
		{[]string{"set-owner", "tank", "c1", "-u", "bob", "--uid", "0", "--no-check"}, "not both"},
		{[]string{"get-acl", "tank", "bad/label"}, "container"},
	} {
		out, _, code := run(t, f, append([]string{"-j", "container"}, tc.args...)...)
		if e := decode(t, out); code == 0 || e.Error == nil || !strings.Contains(*e.Error, tc.want) {
			t.Errorf("%v: want an error naming %q, got %s", tc.args, tc.want, out)
		}
	}
	bad := filepath.Join(dir, "bad.acl")
	os.WriteFile(bad, []byte("A::OWNER@:rw\nA::bob@:rq\n"), 0o644)
	out, _, _ = run(t, f, "-j", "container", "replace", "tank", "c1", "-f", bad)
	if e := decode(t, out); e.Error == nil || !strings.Contains(*e.Error, "line 2") {
		t.Errorf("a bad line is named: %s", out)
	}

	out, _, code = run(t, f, "container", "overwrite-acl", "tank", "c1", "-f", aclFile)
	if code != 0 || out != "# Entries:\nA::OWNER@:rwaAo\nA:G:ops@:r\n" {
		t.Errorf("overwrite-acl: %d %q", code, out)
	}
	out, _, code = run(t, f, "container", "delete-acl", "tank", "c1", "-P", "g:ops@")
	if code != 0 || out != "# Entries:\nA::OWNER@:rwaAo\n" {
		t.Errorf("delete-acl: %d %q", code, out)
	}
}

func TestContainerSetOwner(t *testing.T) {
	saved := ownerLookup
	t.Cleanup(func() { ownerLookup = saved })
	ownerLookup.user = func(n string) error {
		if n == "bob" {
			return nil
		}
		return user.UnknownUserError(n)
	}
	ownerLookup.group = func(n string) error {
		if n == "ops" {
			return nil
		}
		return user.UnknownGroupError(n)
	}
	ownerLookup.userByID = func(id string) (string, error) {
		if id == "1001" {
			return "bob", nil
		}
		return "", errors.New("no such uid")
	}
	f := &fakePool{}
	out, errOut, code := run(t, f, "container", "set-owner", "tank", "c1", "-u", "bob", "-g", "ops")
	if code != 0 || f.flags != client.RW || !strings.Contains(out, "Successfully set owner") {
		t.Fatalf("set-owner: %d %s %s", code, out, errOut)
	}
	if a := f.cont.acl; a.Owner != "bob@" || a.Group != "ops@" {
		t.Errorf("owner %s group %s", a.Owner, a.Group)
	}
	out, _, code = run(t, f, "-j", "container", "chown", "tank", "c1", "-u", "carol")
	if e := decode(t, out); code == 0 || e.Error == nil || !strings.Contains(*e.Error, `--user "carol" is not known`) {
		t.Errorf("unknown user: %s", out)
	}
	if _, _, code = run(t, f, "container", "chown", "tank", "c1", "-u", "carol@example", "--no-check"); code != 0 || f.cont.acl.Owner != "carol@example" {
		t.Errorf("--no-check: %d %s", code, f.cont.acl.Owner)
	}
	if _, _, code = run(t, f, "container", "chown", "tank", "c1", "--uid", "1001"); code != 0 || f.cont.acl.Owner != "bob@" || f.cont.acl.Group != "ops@" {
		t.Errorf("--uid: %d %+v", code, f.cont.acl)
	}
	out, _, _ = run(t, f, "-j", "container", "chown", "tank", "c1", "--uid", "7")
	if e := decode(t, out); e.Error == nil || !strings.Contains(*e.Error, "--user id 7") {
		t.Errorf("unknown uid: %s", out)
	}
}

// TestContainerCreateExtras: create's ACL file, owner group, user
// attributes and DFS mode, each checked before anything is made.
func TestContainerCreateExtras(t *testing.T) {
	saved := ownerLookup
	t.Cleanup(func() { ownerLookup = saved })
	ownerLookup.group = func(n string) error {
		if n == "ops" {
			return nil
		}
		return user.UnknownGroupError(n)
	}
	aclFile := filepath.Join(t.TempDir(), "acl")
	require.NoError(t, os.WriteFile(aclFile, []byte("# who\nA::OWNER@:rwdtTaAo\nA:G:GROUP@:rw\n"), 0o644))
	f := &fakePool{}
	_, errOut, code := run(t, f, "container", "create", "tank", "c1", "-A", aclFile, "-g", "ops", "-a", "team:storage,tier:hot")
	require.Zero(t, code, errOut)
	c := f.cont
	require.NotNil(t, c.acl)
	require.Equal(t, "ops@", c.acl.Group)
	require.Contains(t, strings.Join(c.acl.ACL, "\n"), "A:G:GROUP@:rw")
	got, err := c.GetAttrs(context.Background(), "team", "tier")
	require.NoError(t, err)
	require.Equal(t, map[string][]byte{"team": []byte("storage"), "tier": []byte("hot")}, got)

	// A pool handle that can create with ownership does it in one step:
	// nothing is set on the container afterwards.
	oc := &ownedFake{fakePool: &fakePool{}}
	var out, errBuf bytes.Buffer
	connect := func(ctx context.Context, sys, pool string, flags uint64) (poolHandle, func(), error) {
		return oc, func() {}, nil
	}
	code = cmdutil.Execute(newRoot(connect), []string{"container", "create", "tank", "c1", "-A", aclFile, "-g", "ops"}, &out, &errBuf)
	require.Zero(t, code, errBuf.String())
	require.Equal(t, "ops@", oc.spec.Group)
	require.Equal(t, []string{"A::OWNER@:rwdtTaAo", "A:G:GROUP@:rw"}, oc.spec.ACL)
	require.Equal(t, "c1", oc.spec.Label)
	require.Nil(t, oc.cont, "the container was not opened to change it")

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"-g", "nobodyknows"}, "nobodyknows"},
		{[]string{"-A", filepath.Join(t.TempDir(), "missing")}, "--acl-file"},
		{[]string{"-a", "novalue"}, "--attrs"},
		{[]string{"-a", "k:1,k:2"}, "twice"},
		{[]string{"-M", "balanced"}, "POSIX"},
		{[]string{"-t", "POSIX", "-M", "eventual"}, "--mode"},
	} {
		f := &fakePool{}
		_, errOut, code := run(t, f, append([]string{"container", "create", "tank", "c2"}, bad.args...)...)
		require.NotZero(t, code, bad.args)
		require.Contains(t, errOut, bad.want, bad.args)
		require.Empty(t, f.created, "nothing is created for %v", bad.args)
	}
}

// ownedFake is a fakePool that creates containers with ownership and ACL
// in one call, as client.Pool does.
type ownedFake struct {
	*fakePool
	spec client.ContainerCreate
}

func (f *ownedFake) CreateContainerAs(ctx context.Context, c client.ContainerCreate) (*poolsvc.ContInfo, error) {
	f.spec = c
	return f.fakePool.CreateContainer(ctx, c.Label, c.Type, c.Props)
}
