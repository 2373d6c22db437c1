package poolsvc

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/daos-go/daos/pkg/daos"
)

func TestACLBinaryRoundTrip(t *testing.T) {
	acl := mustACL(t, "A::EVERYONE@:r", "A::OWNER@:rwdtTaAo", "A:G:GROUP@:rwtT", "UL:F:carol@lab:rw", "A:G:staff@:c")
	b, err := acl.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	// Five 32-byte headers, "carol@lab" (10 bytes with its NUL) padded
	// to 16 and "staff@" (7) to 8.
	if want := 8 + 5*32 + 16 + 8; len(b) != want {
		t.Fatalf("%d bytes, want %d", len(b), want)
	}
	if n, err := ACLBinaryLen(b[:8]); err != nil || n != len(b) {
		t.Fatalf("ACLBinaryLen = %d, %v; want %d", n, err, len(b))
	}
	back, err := UnmarshalACL(b)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := back.Strings(), acl.Strings(); !equalStrings(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	// The owner's entry comes first: check it byte by byte against
	// struct daos_ace.
	e := b[8:]
	if e[0] != AccessAllow || e[1] != byte(PrincipalOwner) || binary.LittleEndian.Uint16(e[2:]) != 0 ||
		binary.LittleEndian.Uint64(e[8:]) != uint64(PermContAll) || binary.LittleEndian.Uint64(e[16:]) != 0 {
		t.Fatalf("owner entry % x", e[:32])
	}
	// The audit+alarm entry grants its permissions for both.
	var carol []byte
	for off := 8; off < len(b); off += 32 + int(binary.LittleEndian.Uint16(b[off+2:])) {
		if b[off+1] == byte(PrincipalUser) {
			carol = b[off:]
		}
	}
	if carol == nil || carol[0] != AccessAudit|AccessAlarm || binary.LittleEndian.Uint16(carol[4:]) != FlagFail ||
		binary.LittleEndian.Uint64(carol[8:]) != 0 || binary.LittleEndian.Uint64(carol[16:]) != uint64(PermRead|PermWrite) ||
		binary.LittleEndian.Uint64(carol[24:]) != uint64(PermRead|PermWrite) || string(carol[32:42]) != "carol@lab\x00" {
		t.Fatalf("carol's entry % x", carol)
	}

	empty, err := ACL(nil).MarshalBinary()
	if err != nil || len(empty) != 8 {
		t.Fatalf("empty ACL: % x, %v", empty, err)
	}
	if back, err := UnmarshalACL(empty); err != nil || len(back) != 0 {
		t.Fatalf("empty ACL back: %v, %v", back, err)
	}
}

func TestUnmarshalACLRefuses(t *testing.T) {
	good, err := mustACL(t, "A::OWNER@:rw", "A::bob@:r").MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	bob := 8 + 32 // offset of bob's entry
	cases := map[string]func(b []byte) []byte{
		"short header":     func(b []byte) []byte { return b[:6] },
		"version":          func(b []byte) []byte { b[0] = 2; return b },
		"truncated":        func(b []byte) []byte { return b[:len(b)-8] },
		"huge length":      func(b []byte) []byte { binary.LittleEndian.PutUint32(b[4:], 1<<20); return b },
		"odd length":       func(b []byte) []byte { binary.LittleEndian.PutUint32(b[4:], 36); return b[:44] },
		"name past end":    func(b []byte) []byte { binary.LittleEndian.PutUint16(b[bob+2:], 64); return b },
		"unaligned name":   func(b []byte) []byte { binary.LittleEndian.PutUint16(b[bob+2:], 4); return b },
		"no NUL":           func(b []byte) []byte { copy(b[bob+32:], "bobbobbo"); return b },
		"no access":        func(b []byte) []byte { b[bob] = 0; return b },
		"unknown access":   func(b []byte) []byte { b[bob] |= 0x40; return b },
		"unknown flag":     func(b []byte) []byte { b[bob+4] = 0x80; return b },
		"unknown perm":     func(b []byte) []byte { b[bob+8+5] = 1; return b },
		"perms w/o access": func(b []byte) []byte { b[bob+16] = 1; return b },
		"unknown type":     func(b []byte) []byte { b[bob+1] = 9; return b },
		"named owner":      func(b []byte) []byte { b[bob+1] = byte(PrincipalOwner); return b },
		"user w/o name": func(b []byte) []byte {
			b[8+1] = byte(PrincipalUser)
			return b
		},
		"duplicate": func(b []byte) []byte {
			// bob's entry twice.
			binary.LittleEndian.PutUint32(b[4:], binary.LittleEndian.Uint32(b[4:])+uint32(len(b)-bob))
			return append(b, b[bob:]...)
		},
		"different perms": func(b []byte) []byte {
			b[bob] = AccessAllow | AccessAlarm
			binary.LittleEndian.PutUint16(b[bob+4:], FlagFail)
			binary.LittleEndian.PutUint64(b[bob+24:], uint64(PermWrite))
			return b
		},
	}
	for name, mutate := range cases {
		b := mutate(append([]byte{}, good...))
		if _, err := UnmarshalACL(b); !errors.Is(err, daos.ErrInval) {
			t.Errorf("%s: err %v, want DER_INVAL", name, err)
		}
	}
}

func FuzzUnmarshalACL(f *testing.F) {
	good, _ := mustACLF("A::OWNER@:rw", "A::bob@:r", "U:S:EVERYONE@:w").MarshalBinary()
	f.Add(good)
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		acl, err := UnmarshalACL(b)
		if err != nil {
			return
		}
		// Whatever reads must write back and read again the same.
		again, err := acl.MarshalBinary()
		if err != nil {
			t.Fatalf("read %v but cannot write it: %v", acl.Strings(), err)
		}
		if _, err := UnmarshalACL(again); err != nil {
			t.Fatalf("written %v does not read back: %v", acl.Strings(), err)
		}
	})
}

func mustACLF(entries ...string) ACL {
	acl, err := ParseACL(entries)
	if err != nil {
		panic(err)
	}
	return acl
}
