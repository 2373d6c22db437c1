package dfs

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"syscall"
	"time"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

// A rename across directories touches two objects, which no single write
// covers, so it leaves marks that let anyone finish or undo it after a
// crash (layout: see doc.go):
//
//  1. the source entry gets a "to" mark naming the destination;
//  2. the destination entry is written with a "from" mark naming the
//     source (the commit point);
//  3. the source entry is removed;
//  4. the "from" mark is removed.
//
// Whoever reads a marked entry resolves it first (getEntry does): a "to"
// mark whose destination holds the matching "from" mark means the rename
// committed, so the source goes (the reader sees ENOENT). A "from" mark
// means the rename committed: the source goes if still there, then the
// mark. A "to" mark without its "from" is a rename that has not
// committed: while its lease runs the mover is taken to be alive (readers
// see the source as it is, and changes to it wait), after that the mark
// goes. A mover that could not commit within half the lease gives up. So
// both names are never seen for one object, and a crash at any step
// leaves exactly one.

// Move mark kinds.
const (
	markTo   uint8 = 1
	markFrom uint8 = 2
)

// markAkey holds a move mark beside the entry.
var markAkey = []byte("m")

// moveMark says an entry is the source (markTo) or destination
// (markFrom) of a rename in progress; other is the directory and name
// at the other end, id tells this rename from any other.
type moveMark struct {
	kind  uint8
	dir   daos.ObjectID
	name  string
	id    uint64
	start int64 // when the rename began (ns since the epoch, mover's clock)
	valid bool  // a mark was found
}

const markFixed = 1 + 16 + 8 + 8

// markLease is how long a rename's mover is taken to be alive after it
// began: clients' clocks may differ by far less.
const markLease = 30 * time.Second

// live says m is the mark of a rename that may still be running.
func (fs *FS) live(m moveMark) bool {
	return fs.clock().Sub(time.Unix(0, m.start)) < markLease
}

func (m *moveMark) encode() []byte {
	b := make([]byte, 0, markFixed+len(m.name))
	b = append(b, m.kind)
	b = binary.LittleEndian.AppendUint64(b, m.dir.Hi)
	b = binary.LittleEndian.AppendUint64(b, m.dir.Lo)
	b = binary.LittleEndian.AppendUint64(b, m.id)
	b = binary.LittleEndian.AppendUint64(b, uint64(m.start))
	return append(b, m.name...)
}

func decodeMark(b []byte) (moveMark, error) {
	if len(b) <= markFixed || len(b) > markFixed+MaxName || (b[0] != markTo && b[0] != markFrom) {
		return moveMark{}, fmt.Errorf("move mark of %d bytes, kind %d", len(b), b[0])
	}
	le := binary.LittleEndian
	return moveMark{kind: b[0], dir: daos.ObjectID{Hi: le.Uint64(b[1:]), Lo: le.Uint64(b[9:])},
		id: le.Uint64(b[17:]), start: int64(le.Uint64(b[25:])), name: string(b[markFixed:]), valid: true}, nil
}

func (m *moveMark) iod() (daos.IOD, []byte) {
	b := m.encode()
	return daos.IOD{Name: markAkey, Type: daos.IODSingle, Size: uint64(len(b))}, b
}

// readEntry reads name's entry in d with its move mark, if any.
func (fs *FS) readEntry(ctx context.Context, d *client.Object, name string) (*entry, moveMark, error) {
	ebuf, mbuf := make([]byte, maxEntrySize), make([]byte, markFixed+MaxName)
	iods := []daos.IOD{
		{Name: entAkey, Type: daos.IODSingle, Size: uint64(len(ebuf))},
		{Name: markAkey, Type: daos.IODSingle, Size: uint64(len(mbuf))},
	}
	sizes, err := d.Fetch(ctx, daos.EpochMax, []byte(name), iods, [][]byte{ebuf, mbuf}, 0)
	if err != nil {
		return nil, moveMark{}, wrap("read entry", name, err)
	}
	if sizes[0] == 0 {
		return nil, moveMark{}, fail("lookup", name, syscall.ENOENT)
	}
	e, err := decodeEntry(ebuf[:sizes[0]])
	if err != nil {
		return nil, moveMark{}, &Error{Op: "read entry", Name: name, Errno: syscall.EIO, Err: err}
	}
	var m moveMark
	if sizes[1] > 0 {
		if m, err = decodeMark(mbuf[:sizes[1]]); err != nil {
			return nil, moveMark{}, &Error{Op: "read entry", Name: name, Errno: syscall.EIO, Err: err}
		}
	}
	return e, m, nil
}

// resolve finishes or undoes the rename that left mark m on name's entry
// e in d, and returns the entry as it stands after (ENOENT when the
// rename had committed and name is its source). A read-only mount only
// interprets the marks; writers clean them up.
func (fs *FS) resolve(ctx context.Context, d *client.Object, name string, e *entry, m moveMark) (*entry, error) {
	mode := client.OORW
	if fs.readOnly {
		mode = client.OORO
	}
	other, err := fs.cont.OpenObject(m.dir, mode)
	if err != nil {
		return nil, wrap("resolve rename", name, err)
	}
	oe, om, err := fs.readEntry(ctx, other, m.name)
	if err != nil && !errors.Is(err, syscall.ENOENT) {
		return nil, wrap("resolve rename", name, err)
	}
	matches := oe != nil && om.valid && om.id == m.id
	switch m.kind {
	case markTo:
		if matches && om.kind == markFrom {
			// Committed: the source goes, then the destination's mark.
			if !fs.readOnly {
				if err := ignoreNonexist(d.PunchDkeys(ctx, [][]byte{[]byte(name)}, daos.CondPunch)); err != nil {
					return nil, wrap("finish rename: remove source", name, err)
				}
				if err := ignoreNonexist(other.PunchAkeys(ctx, []byte(m.name), [][]byte{markAkey}, daos.CondPunch)); err != nil {
					return nil, wrap("finish rename: clear mark", m.name, err)
				}
			}
			return nil, fail("lookup", name, syscall.ENOENT)
		}
		// Not committed: the source stays; once the mover is presumed
		// dead, the mark goes too.
		if !fs.readOnly && !fs.live(m) {
			if err := ignoreNonexist(d.PunchAkeys(ctx, []byte(name), [][]byte{markAkey}, daos.CondPunch)); err != nil {
				return nil, wrap("undo rename: clear mark", name, err)
			}
		}
		return e, nil
	default: // markFrom: committed
		if !fs.readOnly {
			if matches && om.kind == markTo {
				if err := ignoreNonexist(other.PunchDkeys(ctx, [][]byte{[]byte(m.name)}, daos.CondPunch)); err != nil {
					return nil, wrap("finish rename: remove source", m.name, err)
				}
			}
			if err := ignoreNonexist(d.PunchAkeys(ctx, []byte(name), [][]byte{markAkey}, daos.CondPunch)); err != nil {
				return nil, wrap("finish rename: clear mark", name, err)
			}
		}
		return e, nil
	}
}

// entryToChange is getEntry for a caller about to change or remove the
// entry: a rename still running from it is waited for (its lease bounds
// the wait), so the change is not lost under the rename's commit.
func (fs *FS) entryToChange(ctx context.Context, d *client.Object, name string) (*entry, error) {
	for {
		e, m, err := fs.readEntry(ctx, d, name)
		if err != nil || !m.valid {
			return e, err
		}
		if m.kind == markTo && fs.live(m) {
			e2, err := fs.resolve(ctx, d, name, e, m)
			if err != nil || e2 == nil {
				return e2, err
			}
			// Still uncommitted and running: wait for its mover.
			select {
			case <-ctx.Done():
				return nil, wrap("wait for a rename", name, ctx.Err())
			case <-time.After(markPoll):
			}
			continue
		}
		return fs.resolve(ctx, d, name, e, m)
	}
}

// markPoll is how often a change waiting for a running rename looks again.
const markPoll = 5 * time.Millisecond

func ignoreNonexist(err error) error {
	if errors.Is(err, daos.ErrNonexist) {
		return nil
	}
	return err
}

// moveStep is where a test makes a rename across directories stop, as
// if its process died there (0: never).
type moveStep int

// errStopped is what a rename stopped by a test returns.
var errStopped = errors.New("rename stopped after a step, as a crash would")

// moveAcross renames name in src (directory object srcID) to newName in
// dst (dstID) with the marks described above. replacing says newName
// exists (and is replaced, its attributes dropped first). iods and vals
// are the entry and attributes to write under newName.
func (fs *FS) moveAcross(ctx context.Context, src *client.Object, srcID daos.ObjectID, name string,
	dst *client.Object, dstID daos.ObjectID, newName string, replacing bool, iods []daos.IOD, vals [][]byte, flags daos.CondFlags) error {
	id := rand.Uint64()
	start := fs.clock()
	to := moveMark{kind: markTo, dir: dstID, name: newName, id: id, start: start.UnixNano()}
	from := moveMark{kind: markFrom, dir: srcID, name: name, id: id, start: start.UnixNano()}
	// 1: mark the source, which must exist and carry no other mark: of
	// two renames of one name, one marks it and the other waits.
	miod, mval := to.iod()
	for {
		_, err := src.Update(ctx, []byte(name), []daos.IOD{miod}, [][]byte{mval}, daos.CondDkeyUpdate|daos.CondAkeyInsert)
		if err == nil {
			break
		}
		if !errors.Is(err, daos.ErrExist) {
			return wrap("move: mark source", name, err)
		}
		// Another rename's mark: wait until it is settled, then again.
		if _, err := fs.entryToChange(ctx, src, name); err != nil {
			return wrap("move", name, err)
		}
	}
	if fs.stopAfter == 1 {
		return errStopped
	}
	undo := func() {
		_ = ignoreNonexist(src.PunchAkeys(context.WithoutCancel(ctx), []byte(name), [][]byte{markAkey}, daos.CondPunch))
	}
	// 2: the destination, marked, with the entry and its attributes in
	// one update: the commit point, which must come well inside the
	// lease (after it, a reader may have undone the mark).
	if replacing {
		if err := fs.dropXattrs(ctx, dst, newName); err != nil {
			undo()
			return wrap("move: clear replaced attributes", newName, err)
		}
	}
	if fs.clock().Sub(start) > markLease/2 {
		undo()
		return fail("move: took too long to commit", name, syscall.ETIMEDOUT)
	}
	miod, mval = from.iod()
	if _, err := dst.Update(ctx, []byte(newName), append(iods, miod), append(vals, mval), flags); err != nil {
		undo()
		return wrap("move", newName, err)
	}
	if fs.stopAfter == 2 {
		return errStopped
	}
	// 3: the source goes (a reader may have done it already).
	if err := ignoreNonexist(src.PunchDkeys(ctx, [][]byte{[]byte(name)}, daos.CondPunch)); err != nil {
		return wrap("move: remove old name", name, err)
	}
	if fs.stopAfter == 3 {
		return errStopped
	}
	// 4: done; the mark goes.
	if err := ignoreNonexist(dst.PunchAkeys(ctx, []byte(newName), [][]byte{markAkey}, daos.CondPunch)); err != nil {
		return wrap("move: clear mark", newName, err)
	}
	return nil
}
