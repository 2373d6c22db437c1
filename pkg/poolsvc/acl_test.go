package poolsvc

import (
	"errors"
	"testing"

	"github.com/daos-go/daos/pkg/daos"
)

func TestParseACE(t *testing.T) {
	valid := map[string]string{
		"A::OWNER@:rw":          "A::OWNER@:rw",
		"A:G:GROUP@:rw":         "A:G:GROUP@:rw",
		"A::EVERYONE@:r":        "A::EVERYONE@:r",
		"A::bob@:rwdtTaAo":      "A::bob@:rwdtTaAo",
		"A::bob@example.com:wr": "A::bob@example.com:rw",
		"A:G:admins@:c":         "A:G:admins@:c",
		"L:S:OWNER@:r":          "L:S:OWNER@:r",
		"U:F:bob@:w":            "U:F:bob@:w",
		"AL:SF:bob@:r":          "AL:SF:bob@:r",
		"LUA:GFS:team@lab:rw":   "AUL:GSF:team@lab:rw", // DAOS's order
		"A:PG:GROUP@:r":         "A:GP:GROUP@:r",
		"A::OWNER@:":            "A::OWNER@:",
	}
	for in, want := range valid {
		a, err := ParseACE(in)
		if err != nil {
			t.Errorf("ParseACE(%q): %v", in, err)
			continue
		}
		if got := a.String(); got != want {
			t.Errorf("ParseACE(%q).String() = %q, want %q", in, got, want)
		}
	}
	invalid := []string{
		"", "A::OWNER@", "A::OWNER@:rw:x", ":G:GROUP@:r", "X::OWNER@:r", "A:X:OWNER@:r",
		"A::OWNER@:rx", "A:G:OWNER@:r", "A::GROUP@:r", "A:G:EVERYONE@:r", "A::bob:r",
		"A::@:r", "A::@dom:r", "A::bob@a@b:r", "A::bo b@:r", "L::OWNER@:r", "U::bob@:r",
		"A:S:OWNER@:r", "A:F:OWNER@:r", "A:G:bob@:r" + string(make([]byte, 300)),
	}
	for _, in := range invalid {
		if a, err := ParseACE(in); !errors.Is(err, daos.ErrInval) {
			t.Errorf("ParseACE(%q) = %v, %v; want DER_INVAL", in, a, err)
		}
	}
}

func TestParseACL(t *testing.T) {
	acl, err := ParseACL([]string{"# comment", "A::EVERYONE@:r", "A:G:zz@:r", "A::bob@:rw",
		"", "A:G:GROUP@:rw", "A:G:aa@:w", "A::OWNER@:rw"})
	if err != nil {
		t.Fatal(err)
	}
	// By principal type, in the given order within a type, as DAOS keeps
	// them.
	want := []string{"A::OWNER@:rw", "A::bob@:rw", "A:G:GROUP@:rw", "A:G:zz@:r", "A:G:aa@:w", "A::EVERYONE@:r"}
	if got := acl.Strings(); !equalStrings(got, want) {
		t.Fatalf("sorted ACL = %q, want %q", got, want)
	}
	// A user and a group of the same name are different principals; the
	// same principal twice is not allowed.
	if _, err := ParseACL([]string{"A::x@:r", "A:G:x@:r"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]string{{"A::x@:r", "A::x@:w"}, {"A::OWNER@:r", "L:S:OWNER@:r"}, {"A::OWNER@:q"}} {
		if _, err := ParseACL(bad); !errors.Is(err, daos.ErrInval) {
			t.Errorf("ParseACL(%q) = %v, want DER_INVAL", bad, err)
		}
	}
	if err := acl.Check(PermPoolAll, "pool"); err != nil {
		t.Fatal(err)
	}
	bad, _ := ParseACL([]string{"A::OWNER@:rwA"})
	if err := bad.Check(PermPoolAll, "pool"); !errors.Is(err, daos.ErrInval) {
		t.Fatalf("A on a pool: %v", err)
	}
	if err := bad.Check(PermContAll, "container"); err != nil {
		t.Fatal(err)
	}
	c, _ := ParseACL([]string{"A::OWNER@:c"})
	if err := c.Check(PermContAll, "container"); !errors.Is(err, daos.ErrInval) {
		t.Fatalf("c on a container: %v", err)
	}

	up := acl.Update(mustACL(t, "A::bob@:r", "A::carol@:w"))
	if got, want := up.Strings(), []string{"A::OWNER@:rw", "A::bob@:r", "A::carol@:w", "A:G:GROUP@:rw",
		"A:G:zz@:r", "A:G:aa@:w", "A::EVERYONE@:r"}; !equalStrings(got, want) {
		t.Fatalf("updated = %q, want %q", got, want)
	}
	del, err := up.Delete("u:carol@")
	if err != nil || len(del) != len(up)-1 {
		t.Fatalf("delete u:carol@: %v", err)
	}
	if _, err := del.Delete("u:carol@"); !errors.Is(err, daos.ErrNonexist) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := del.Delete("g:zz@"); err != nil {
		t.Fatal(err)
	}
	if _, err := del.Delete("EVERYONE@"); err != nil {
		t.Fatal(err)
	}
}

func TestACLPerms(t *testing.T) {
	acl := mustACL(t, "A::OWNER@:rwtT", "A::bob@:r", "A:G:GROUP@:w", "A:G:ops@:t", "A::EVERYONE@:d", "L:S:carol@:rw")
	cases := []struct {
		cred Cred
		want Perm
	}{
		{Cred{User: "alice@", Groups: []string{"staff@"}}, PermRead | PermWrite | PermGetProp | PermSetProp}, // owner entry wins
		{Cred{User: "bob@", Groups: []string{"staff@"}}, PermRead},                                           // named user before groups
		{Cred{User: "dave@", Groups: []string{"staff@", "ops@"}}, PermWrite | PermGetProp},                   // union of groups
		{Cred{User: "erin@", Groups: []string{"other@"}}, PermDelCont},                                       // everyone
		{Cred{User: "carol@"}, 0}, // her entry only audits: it matches and grants nothing
	}
	for _, c := range cases {
		if got := acl.Perms(c.cred, "alice@", "staff@"); got != c.want {
			t.Errorf("Perms(%v) = %s, want %s", c.cred, got, c.want)
		}
	}
	if got := mustACL(t, "A::OWNER@:r").Perms(Cred{User: "x@"}, "alice@", "g@"); got != 0 {
		t.Errorf("no matching entry: %s", got)
	}
}

func FuzzParseACE(f *testing.F) {
	for _, s := range []string{"A::OWNER@:rw", "A:G:GROUP@:rw", "L:S:bob@dom:rwdtTaAo", "AUL:GSF:x@:", "::::", "A::@:r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseACE(s)
		if err != nil {
			if !errors.Is(err, daos.ErrInval) {
				t.Fatalf("ParseACE(%q): error without DER_INVAL: %v", s, err)
			}
			return
		}
		// What parses prints back to something that parses to the same.
		b, err := ParseACE(a.String())
		if err != nil || b != a {
			t.Fatalf("ParseACE(%q) = %+v prints %q which parses to %+v, %v", s, a, a.String(), b, err)
		}
	})
}

func mustACL(t *testing.T, entries ...string) ACL {
	t.Helper()
	acl, err := ParseACL(entries)
	if err != nil {
		t.Fatal(err)
	}
	return acl
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
