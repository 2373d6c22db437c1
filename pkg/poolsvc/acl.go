package poolsvc

import (
	"slices"
	"strings"

	"github.com/daos-go/daos/pkg/daos"
)

// Perm is a set of DAOS ACL permission bits (enum daos_acl_perm).
type Perm uint64

// Permission bits, with the letters DAOS's ACE strings use.
const (
	PermRead       Perm = 1 << 0 // r
	PermWrite      Perm = 1 << 1 // w
	PermCreateCont Perm = 1 << 2 // c
	PermDelCont    Perm = 1 << 3 // d
	PermGetProp    Perm = 1 << 4 // t
	PermSetProp    Perm = 1 << 5 // T
	PermGetACL     Perm = 1 << 6 // a
	PermSetACL     Perm = 1 << 7 // A
	PermSetOwner   Perm = 1 << 8 // o

	// PermPoolAll and PermContAll are what a pool or a container ACL may
	// grant (DAOS_ACL_PERM_POOL_ALL, DAOS_ACL_PERM_CONT_ALL).
	PermPoolAll = PermRead | PermGetProp | PermWrite | PermCreateCont | PermDelCont
	PermContAll = PermRead | PermWrite | PermDelCont | PermGetProp | PermSetProp |
		PermGetACL | PermSetACL | PermSetOwner

	// ContOwnerMinPerms is what a container's owner has whatever its ACL
	// says (DAOS's CONT_OWNER_MIN_PERMS).
	ContOwnerMinPerms = PermGetACL | PermSetACL
)

// permLetters is in DAOS's printing order.
var permLetters = []struct {
	c byte
	p Perm
}{{'r', PermRead}, {'w', PermWrite}, {'c', PermCreateCont}, {'d', PermDelCont},
	{'t', PermGetProp}, {'T', PermSetProp}, {'a', PermGetACL}, {'A', PermSetACL}, {'o', PermSetOwner}}

func (p Perm) String() string {
	var b strings.Builder
	for _, l := range permLetters {
		if p&l.p != 0 {
			b.WriteByte(l.c)
		}
	}
	return b.String()
}

// Access types (DAOS_ACL_ACCESS_*) and flags (DAOS_ACL_FLAG_*).
const (
	AccessAllow = 1 << 0 // A
	AccessAudit = 1 << 1 // U
	AccessAlarm = 1 << 2 // L

	FlagGroup       = 1 << 0 // G
	FlagPoolInherit = 1 << 1 // P
	FlagFail        = 1 << 2 // F
	FlagSuccess     = 1 << 3 // S
)

// PrincipalType orders ACEs the way DAOS sorts an ACL (enum
// daos_acl_principal_type): owner, named users, owner group, named
// groups, everyone.
type PrincipalType uint8

// Principal types.
const (
	PrincipalOwner PrincipalType = iota
	PrincipalUser
	PrincipalOwnerGroup
	PrincipalGroup
	PrincipalEveryone
)

// maxPrincipalLen is DAOS_ACL_MAX_PRINCIPAL_LEN.
const maxPrincipalLen = 255

// ACE is one parsed access control entry.
type ACE struct {
	Access uint8
	Flags  uint16
	Type   PrincipalType
	Name   string // named user or group only
	Perms  Perm
}

// ParseACE reads an ACE string "access:flags:principal:perms", e.g.
// "A::OWNER@:rw" or "A:G:admins@:r", and checks it as daos_ace_is_valid
// does. Errors are DER_INVAL.
func ParseACE(s string) (ACE, error) {
	bad := func(why string) (ACE, error) {
		return ACE{}, daos.Errorf(daos.ErrInval, "invalid ACE %q: %s", s, why)
	}
	f := strings.Split(s, ":")
	if len(f) != 4 {
		return bad("want access:flags:principal:permissions")
	}
	var a ACE
	if f[0] == "" {
		return bad("no access type")
	}
	for i := 0; i < len(f[0]); i++ {
		var bit uint8
		switch f[0][i] {
		case 'A':
			bit = AccessAllow
		case 'U':
			bit = AccessAudit
		case 'L':
			bit = AccessAlarm
		default:
			return bad("unknown access type " + string(f[0][i]))
		}
		a.Access |= bit
	}
	for i := 0; i < len(f[1]); i++ {
		switch f[1][i] {
		case 'G':
			a.Flags |= FlagGroup
		case 'S':
			a.Flags |= FlagSuccess
		case 'F':
			a.Flags |= FlagFail
		case 'P':
			a.Flags |= FlagPoolInherit
		default:
			return bad("unknown flag " + string(f[1][i]))
		}
	}
	switch p := f[2]; p {
	case "OWNER@":
		a.Type = PrincipalOwner
	case "GROUP@":
		a.Type = PrincipalOwnerGroup
	case "EVERYONE@":
		a.Type = PrincipalEveryone
	default:
		if !ValidPrincipalName(p) {
			return bad("principal must be OWNER@, GROUP@, EVERYONE@ or name@[domain]")
		}
		a.Name = p
		a.Type = PrincipalUser
		if a.Flags&FlagGroup != 0 {
			a.Type = PrincipalGroup
		}
	}
	for i := 0; i < len(f[3]); i++ {
		found := false
		for _, l := range permLetters {
			if l.c == f[3][i] {
				a.Perms |= l.p
				found = true
			}
		}
		if !found {
			return bad("unknown permission " + string(f[3][i]))
		}
	}
	// The group flag marks exactly the group principals.
	isGroup := a.Type == PrincipalOwnerGroup || a.Type == PrincipalGroup
	if isGroup != (a.Flags&FlagGroup != 0) {
		return bad("the G flag goes with GROUP@ and named groups only")
	}
	// Audit flags go with audit/alarm entries and nothing else.
	alert := a.Access&(AccessAudit|AccessAlarm) != 0
	if alert != (a.Flags&(FlagSuccess|FlagFail) != 0) {
		return bad("L and U entries need an S or F flag, and only they may have one")
	}
	return a, nil
}

// ValidPrincipalName checks the name@[domain] form of a named user or
// group as daos_acl_principal_is_valid does (loosely: no assumptions
// about legal characters beyond separators and whitespace).
func ValidPrincipalName(p string) bool {
	at := strings.IndexByte(p, '@')
	if at <= 0 || len(p) > maxPrincipalLen {
		return false
	}
	if strings.ContainsAny(p, ":, \t\r\n") || strings.Count(p, "@") != 1 {
		return false
	}
	switch p {
	case "OWNER@", "GROUP@", "EVERYONE@":
		return false
	}
	return true
}

// String prints the ACE in DAOS's form.
func (a ACE) String() string {
	var b strings.Builder
	for _, x := range []struct {
		c   byte
		bit uint8
	}{{'A', AccessAllow}, {'U', AccessAudit}, {'L', AccessAlarm}} {
		if a.Access&x.bit != 0 {
			b.WriteByte(x.c)
		}
	}
	b.WriteByte(':')
	for _, x := range []struct {
		c   byte
		bit uint16
	}{{'G', FlagGroup}, {'S', FlagSuccess}, {'F', FlagFail}, {'P', FlagPoolInherit}} {
		if a.Flags&x.bit != 0 {
			b.WriteByte(x.c)
		}
	}
	b.WriteByte(':')
	b.WriteString(a.Principal())
	b.WriteByte(':')
	b.WriteString(a.Perms.String())
	return b.String()
}

// Principal is the principal as ACE strings name it.
func (a ACE) Principal() string {
	switch a.Type {
	case PrincipalOwner:
		return "OWNER@"
	case PrincipalOwnerGroup:
		return "GROUP@"
	case PrincipalEveryone:
		return "EVERYONE@"
	}
	return a.Name
}

// key identifies the ACE's principal within an ACL, in the "u:name@" /
// "g:name@" form dmg's delete-acl --principal takes.
func (a ACE) key() string {
	switch a.Type {
	case PrincipalUser:
		return "u:" + a.Name
	case PrincipalGroup:
		return "g:" + a.Name
	}
	return a.Principal()
}

// ACL is a parsed access control list, sorted as DAOS keeps it.
type ACL []ACE

// ParseACL parses ACE strings; blank entries and "#" comments (as in
// ACL files) are skipped. Each principal may appear once; the result is
// sorted.
func ParseACL(entries []string) (ACL, error) {
	var acl ACL
	seen := map[string]bool{}
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" || strings.HasPrefix(e, "#") {
			continue
		}
		a, err := ParseACE(e)
		if err != nil {
			return nil, err
		}
		if seen[a.key()] {
			return nil, daos.Errorf(daos.ErrInval, "invalid ACL: principal %s appears twice", a.Principal())
		}
		seen[a.key()] = true
		acl = append(acl, a)
	}
	acl.sort()
	return acl, nil
}

// sort orders the entries by principal type, keeping the given order
// within a type (DAOS keeps an ACL so, and appends a new entry at the end
// of its type's run).
func (acl ACL) sort() {
	slices.SortStableFunc(acl, func(x, y ACE) int { return int(x.Type) - int(y.Type) })
}

// Strings prints every ACE.
func (acl ACL) Strings() []string {
	out := make([]string, len(acl))
	for i, a := range acl {
		out[i] = a.String()
	}
	return out
}

// Check refuses permissions the object cannot grant (allowed is
// PermPoolAll or PermContAll), as daos_acl_pool/cont_validate do.
func (acl ACL) Check(allowed Perm, what string) error {
	for _, a := range acl {
		if a.Perms&^allowed != 0 {
			return daos.Errorf(daos.ErrInval, "invalid %s ACE %q: permissions %q do not apply to a %s",
				what, a.String(), (a.Perms &^ allowed).String(), what)
		}
	}
	return nil
}

// Update merges entries in: an ACE for a principal already present
// replaces it.
func (acl ACL) Update(add ACL) ACL {
	out := slices.Clone(acl)
	for _, a := range add {
		i := slices.IndexFunc(out, func(x ACE) bool { return x.key() == a.key() })
		if i >= 0 {
			out[i] = a
		} else {
			out = append(out, a)
		}
	}
	out.sort()
	return out
}

// Delete removes a principal ("OWNER@", "GROUP@", "EVERYONE@",
// "u:name@", "g:name@"); DER_NONEXIST if it has no entry.
func (acl ACL) Delete(principal string) (ACL, error) {
	i := slices.IndexFunc(acl, func(x ACE) bool { return x.key() == principal })
	if i < 0 {
		return nil, daos.Errorf(daos.ErrNonexist, "no ACE for principal %q", principal)
	}
	return slices.Delete(slices.Clone(acl), i, i+1), nil
}

// Cred is who asks: a user principal and the groups it belongs to, all
// in name@[domain] form.
type Cred struct {
	User   string   `json:"user"`
	Groups []string `json:"groups,omitempty"`
}

// Perms evaluates the ACL for a credential as DAOS does: the owner entry
// if the user owns the object, else a named-user entry, else the union of
// every matching group entry (owner group and named groups), else
// EVERYONE@, else nothing. Only allow entries grant.
func (acl ACL) Perms(c Cred, owner, group string) Perm {
	allow := func(a ACE) Perm {
		if a.Access&AccessAllow == 0 {
			return 0
		}
		return a.Perms
	}
	find := func(t PrincipalType, name string) (ACE, bool) {
		for _, a := range acl {
			if a.Type == t && a.Name == name {
				return a, true
			}
		}
		return ACE{}, false
	}
	if c.User != "" && c.User == owner {
		if a, ok := find(PrincipalOwner, ""); ok {
			return allow(a)
		}
	}
	if a, ok := find(PrincipalUser, c.User); ok && c.User != "" {
		return allow(a)
	}
	var p Perm
	matched := false
	for _, g := range c.Groups {
		if g == group {
			if a, ok := find(PrincipalOwnerGroup, ""); ok {
				p |= allow(a)
				matched = true
			}
		}
		if a, ok := find(PrincipalGroup, g); ok {
			p |= allow(a)
			matched = true
		}
	}
	if matched {
		return p
	}
	if a, ok := find(PrincipalEveryone, ""); ok {
		return allow(a)
	}
	return 0
}

// Default ACLs DAOS gives new pools and containers.
var (
	DefaultPoolACL = []string{"A::OWNER@:rw", "A:G:GROUP@:rw"}
	DefaultContACL = []string{"A::OWNER@:rwdtTaAo", "A:G:GROUP@:rwtT"}
)
