package dfs

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
)

// Constants of the on-disk layout; doc.go describes it.
const (
	// SuperMagic marks a superblock (DAOS_SUPER_MAGIC).
	SuperMagic uint32 = 0xDA05AD10
	// LayoutVersion is the layout this package writes and reads.
	LayoutVersion uint16 = 1
	// DefaultChunkSize is the chunk size when neither the file, its
	// directory nor the container name one.
	DefaultChunkSize uint64 = 1 << 20
	// MaxName is the longest entry name in bytes (NAME_MAX).
	MaxName = 255
	// MaxPath is the longest path Lookup accepts (PATH_MAX).
	MaxPath = 4096

	// entryVersion is what entries are written as: 2 adds the epoch of
	// the last explicit mtime. Version 1 entries are still read.
	entryVersion = 2
	// reservedHi are the oid.hi user bits of the layout's own objects.
	reservedHi = 1
	// oidBatch is how many object ids one AllocOIDs call reserves.
	oidBatch = 1024
	// maxSymlinks bounds symlink resolution in one lookup (Linux's ELOOP
	// limit), so a cycle ends.
	maxSymlinks = 40
)

var (
	rootDkey = []byte("/")
	sbAkey   = []byte("sb")
	entAkey  = []byte("e")
)

// Mount modes stored in the superblock (dfs_attr_t da_mode).
const (
	ModeRelaxed  uint32 = 0
	ModeBalanced uint32 = 4
)

// Attr are a container's DFS defaults (dfs_attr_t).
type Attr struct {
	// ChunkSize is the default file chunk size in bytes; 0 is 1 MiB.
	ChunkSize uint64
	// FileOClass and DirOClass are the default object classes; 0 lets
	// the pool pick.
	FileOClass placement.ClassID
	DirOClass  placement.ClassID
	// Mode is ModeRelaxed or ModeBalanced.
	Mode uint32
	// Hints ("file:single,dir:max", dfs_attr_t da_hints) choose the
	// default classes left at 0 by their sharding: single is one group,
	// max as many as the pool holds. Format resolves them into classes.
	Hints string
}

// superblock is the decoded superblock record.
type superblock struct {
	Attr
	Version uint16
}

const sbSize = 4 + 2 + 2 + 8 + 4 + 4 + 4

func (sb *superblock) encode() []byte {
	b := make([]byte, 0, sbSize)
	b = binary.LittleEndian.AppendUint32(b, SuperMagic)
	b = binary.LittleEndian.AppendUint16(b, sb.Version)
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint64(b, sb.ChunkSize)
	b = binary.LittleEndian.AppendUint32(b, uint32(sb.FileOClass))
	b = binary.LittleEndian.AppendUint32(b, uint32(sb.DirOClass))
	b = binary.LittleEndian.AppendUint32(b, sb.Mode)
	return b
}

func decodeSuperblock(b []byte) (*superblock, error) {
	if len(b) != sbSize {
		return nil, fmt.Errorf("superblock of %d bytes, want %d", len(b), sbSize)
	}
	if m := binary.LittleEndian.Uint32(b); m != SuperMagic {
		return nil, fmt.Errorf("superblock magic %#x, want %#x", m, SuperMagic)
	}
	sb := &superblock{Version: binary.LittleEndian.Uint16(b[4:])}
	if sb.Version != LayoutVersion {
		return nil, fmt.Errorf("layout version %d, this build reads %d", sb.Version, LayoutVersion)
	}
	sb.ChunkSize = binary.LittleEndian.Uint64(b[8:])
	sb.FileOClass = placement.ClassID(binary.LittleEndian.Uint32(b[16:]))
	sb.DirOClass = placement.ClassID(binary.LittleEndian.Uint32(b[20:]))
	sb.Mode = binary.LittleEndian.Uint32(b[24:])
	if sb.ChunkSize == 0 {
		return nil, fmt.Errorf("superblock chunk size 0")
	}
	return sb, nil
}

// entry is a directory entry: everything DFS knows of an object besides
// a file's data.
type entry struct {
	Mode                uint32
	OID                 daos.ObjectID
	Atime, Mtime, Ctime time.Time
	UID, GID            uint32
	ChunkSize           uint64
	OClass              placement.ClassID
	Target              string
	// MtimeEpoch is the file's newest change (its array's max epoch)
	// when mtime was last set explicitly: a later change makes that
	// change's time the mtime, an explicit one (touch, tar) holds until
	// then.
	MtimeEpoch daos.Epoch
}

const entFixed = 1 + 4 + 16 + 3*8 + 4 + 4 + 8 + 4 + 2

// maxEntrySize bounds an entry fetch: the fixed part, the longest
// symlink target and what version 2 adds.
const maxEntrySize = entFixed + MaxPath + 8

func (e *entry) encode() []byte {
	b := make([]byte, 0, entFixed+len(e.Target)+8)
	b = append(b, entryVersion)
	b = binary.LittleEndian.AppendUint32(b, e.Mode)
	b = binary.LittleEndian.AppendUint64(b, e.OID.Hi)
	b = binary.LittleEndian.AppendUint64(b, e.OID.Lo)
	for _, t := range []time.Time{e.Atime, e.Mtime, e.Ctime} {
		b = binary.LittleEndian.AppendUint64(b, uint64(t.UnixNano()))
	}
	b = binary.LittleEndian.AppendUint32(b, e.UID)
	b = binary.LittleEndian.AppendUint32(b, e.GID)
	b = binary.LittleEndian.AppendUint64(b, e.ChunkSize)
	b = binary.LittleEndian.AppendUint32(b, uint32(e.OClass))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(e.Target)))
	b = append(b, e.Target...)
	return binary.LittleEndian.AppendUint64(b, uint64(e.MtimeEpoch))
}

func decodeEntry(b []byte) (*entry, error) {
	if len(b) < entFixed {
		return nil, fmt.Errorf("entry of %d bytes, shorter than %d", len(b), entFixed)
	}
	if b[0] != 1 && b[0] != 2 {
		return nil, fmt.Errorf("entry version %d, this build reads 1 and 2", b[0])
	}
	le := binary.LittleEndian
	e := &entry{Mode: le.Uint32(b[1:])}
	e.OID = daos.ObjectID{Hi: le.Uint64(b[5:]), Lo: le.Uint64(b[13:])}
	e.Atime = time.Unix(0, int64(le.Uint64(b[21:])))
	e.Mtime = time.Unix(0, int64(le.Uint64(b[29:])))
	e.Ctime = time.Unix(0, int64(le.Uint64(b[37:])))
	e.UID, e.GID = le.Uint32(b[45:]), le.Uint32(b[49:])
	e.ChunkSize = le.Uint64(b[53:])
	e.OClass = placement.ClassID(le.Uint32(b[61:]))
	n := int(le.Uint16(b[65:]))
	tail := 0
	if b[0] == 2 {
		tail = 8
	}
	if len(b) != entFixed+n+tail {
		return nil, fmt.Errorf("entry of %d bytes with a %d-byte target, want %d", len(b), n, entFixed+n+tail)
	}
	e.Target = string(b[entFixed : entFixed+n])
	if tail > 0 {
		e.MtimeEpoch = daos.Epoch(le.Uint64(b[entFixed+n:]))
	}
	return e, nil
}

// now is the time stamped into entries, without the monotonic reading
// (which does not survive encoding, so values would not compare equal).
func now() time.Time { return time.Now().Round(0) }
