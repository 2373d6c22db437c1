package poolsvc

import (
	"encoding/binary"
	"fmt"

	"github.com/daos-go/daos/pkg/daos"
)

// The flat ACL layout of DAOS's C API (struct daos_acl, struct daos_ace),
// in which ACLs travel as property values: an 8-byte header (version,
// reserved, length of the entries), then the entries back to back, each a
// 32-byte header and its principal name, NUL-terminated and padded to 8
// bytes. Integers are little-endian, as in the memory of the hosts the C
// library runs on.
const (
	aclVersion    = 1
	aclHeaderLen  = 8
	aceHeaderLen  = 32
	aclMaxEntries = 65536 // DAOS_ACL_MAX_ACE_LEN: bytes of entries
)

// ACLBinaryLen is the size of the ACL starting at b when b holds at least
// its header: what to read for UnmarshalACL. DER_INVAL for a header that
// is short or claims too much.
func ACLBinaryLen(hdr []byte) (int, error) {
	if len(hdr) < aclHeaderLen {
		return 0, daos.Errorf(daos.ErrInval, "ACL: %d bytes, shorter than its header", len(hdr))
	}
	n := binary.LittleEndian.Uint32(hdr[4:])
	if n > aclMaxEntries {
		return 0, daos.Errorf(daos.ErrInval, "ACL: %d bytes of entries, more than %d", n, aclMaxEntries)
	}
	return aclHeaderLen + int(n), nil
}

// MarshalBinary lays the ACL out as struct daos_acl, entries in the ACL's
// order (ParseACL sorts them as DAOS does).
func (acl ACL) MarshalBinary() ([]byte, error) {
	n := 0
	for _, a := range acl {
		n += aceHeaderLen + padName(a.Name)
	}
	if n > aclMaxEntries {
		return nil, daos.Errorf(daos.ErrInval, "ACL of %d entries takes %d bytes, more than %d", len(acl), n, aclMaxEntries)
	}
	b := make([]byte, aclHeaderLen+n)
	binary.LittleEndian.PutUint16(b[0:], aclVersion)
	binary.LittleEndian.PutUint32(b[4:], uint32(n))
	off := aclHeaderLen
	for _, a := range acl {
		e := b[off:]
		pl := padName(a.Name)
		e[0] = a.Access
		e[1] = byte(a.Type)
		binary.LittleEndian.PutUint16(e[2:], uint16(pl))
		binary.LittleEndian.PutUint16(e[4:], a.Flags)
		for i, bit := range []uint8{AccessAllow, AccessAudit, AccessAlarm} {
			if a.Access&bit != 0 {
				binary.LittleEndian.PutUint64(e[8+8*i:], uint64(a.Perms))
			}
		}
		copy(e[aceHeaderLen:], a.Name)
		off += aceHeaderLen + pl
	}
	return b, nil
}

// padName is the bytes a principal name takes in an entry: none for the
// special principals, else the name and its NUL rounded up to 8.
func padName(name string) int {
	if name == "" {
		return 0
	}
	return (len(name) + 1 + 7) &^ 7
}

// UnmarshalACL reads an ACL in the layout MarshalBinary writes, checking
// every length against b before it reads, and every entry as ParseACE
// does; an entry whose access types grant different permissions (which
// the string form services keep cannot hold) is refused. Errors are
// DER_INVAL.
func UnmarshalACL(b []byte) (ACL, error) {
	bad := func(format string, args ...any) (ACL, error) {
		return nil, daos.Errorf(daos.ErrInval, "ACL: "+format, args...)
	}
	n, err := ACLBinaryLen(b)
	if err != nil {
		return nil, err
	}
	if v := binary.LittleEndian.Uint16(b); v != aclVersion {
		return bad("version %d, want %d", v, aclVersion)
	}
	if len(b) < n {
		return bad("%d bytes, its header says %d", len(b), n)
	}
	if (n-aclHeaderLen)%8 != 0 {
		return bad("%d bytes of entries, not a multiple of 8", n-aclHeaderLen)
	}
	var acl ACL
	for off := aclHeaderLen; off < n; {
		e := b[off:n]
		if len(e) < aceHeaderLen {
			return bad("entry at byte %d: %d bytes left, shorter than an entry", off, len(e))
		}
		pl := int(binary.LittleEndian.Uint16(e[2:]))
		if pl%8 != 0 || aceHeaderLen+pl > len(e) {
			return bad("entry at byte %d: name of %d bytes does not fit", off, pl)
		}
		a, err := aceFromBinary(e[:aceHeaderLen+pl])
		if err != nil {
			return bad("entry at byte %d: %v", off, err)
		}
		if len(acl) > 0 && a.Type < acl[len(acl)-1].Type {
			return bad("entry at byte %d: out of order (principal type %d after %d)", off, a.Type, acl[len(acl)-1].Type)
		}
		acl = append(acl, a)
		off += aceHeaderLen + pl
	}
	seen := map[string]bool{}
	for _, a := range acl {
		if seen[a.key()] {
			return bad("two entries for %s", a.Principal())
		}
		seen[a.key()] = true
	}
	return acl, nil
}

// aceFromBinary reads one entry (header and padded name) and checks it by
// its string form.
func aceFromBinary(e []byte) (ACE, error) {
	access := e[0]
	typ := PrincipalType(e[1])
	flags := binary.LittleEndian.Uint16(e[4:])
	var perms Perm
	var have bool
	for i, bit := range []uint8{AccessAllow, AccessAudit, AccessAlarm} {
		p := Perm(binary.LittleEndian.Uint64(e[8+8*i:]))
		if access&bit == 0 {
			if p != 0 {
				return ACE{}, fmt.Errorf("permissions %#x for an access type it lacks", uint64(p))
			}
			continue
		}
		if have && p != perms {
			return ACE{}, fmt.Errorf("access types with different permissions (%s and %s)", perms, p)
		}
		perms, have = p, true
	}
	if perms&^(PermPoolAll|PermContAll) != 0 {
		return ACE{}, fmt.Errorf("unknown permission bits %#x", uint64(perms))
	}
	var name string
	if pl := e[aceHeaderLen:]; len(pl) > 0 {
		end := 0
		for end < len(pl) && pl[end] != 0 {
			end++
		}
		if end == len(pl) {
			return ACE{}, fmt.Errorf("principal name not NUL-terminated")
		}
		name = string(pl[:end])
	}
	a := ACE{Access: access, Flags: flags, Type: typ, Name: name, Perms: perms}
	switch typ {
	case PrincipalOwner, PrincipalOwnerGroup, PrincipalEveryone:
		if name != "" {
			return ACE{}, fmt.Errorf("principal type %d takes no name", typ)
		}
	case PrincipalUser, PrincipalGroup:
		if name == "" {
			return ACE{}, fmt.Errorf("principal type %d needs a name", typ)
		}
	default:
		return ACE{}, fmt.Errorf("unknown principal type %d", typ)
	}
	// The string form carries every rule ParseACE checks; what cannot be
	// written (unknown access or flag bits) fails to come back equal.
	s := a.String()
	back, err := ParseACE(s)
	if err != nil {
		return ACE{}, err
	}
	if back != a {
		return ACE{}, fmt.Errorf("entry (access %#x, flags %#x, type %d) does not read back from its string %q", access, flags, typ, s)
	}
	return a, nil
}
