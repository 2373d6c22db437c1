package vos

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/daos-go/daos/pkg/daos"
)

// The journal and checkpoints store operations and index state in a
// compact binary form: unsigned varints for numbers, a varint length before
// every byte string. Decoding never trusts a length: each is checked
// against what is left and against the limits of the API.

// errShort is what a decoder reports when input ends early or a length is
// out of bounds; callers wrap it with what they were decoding.
var errShort = errors.New("truncated or malformed record")

type encoder struct{ b []byte }

func (e *encoder) u64(v uint64) { e.b = binary.AppendUvarint(e.b, v) }

func (e *encoder) bytes(p []byte) {
	e.u64(uint64(len(p)))
	e.b = append(e.b, p...)
}

func (e *encoder) str(s string) {
	e.u64(uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) cont(c ContainerID) { e.b = append(e.b, c[:]...) }

func (e *encoder) oid(o daos.ObjectID) {
	e.u64(o.Hi)
	e.u64(o.Lo)
}

func (e *encoder) stamp(s stamp) {
	e.u64(s.epoch)
	e.u64(uint64(s.tx))
}

func (e *encoder) stamps(ss []stamp) {
	e.u64(uint64(len(ss)))
	for _, s := range ss {
		e.stamp(s)
	}
}

// value: 0 + bytes for inline, 1 + offset + length + CRC for an NVMe
// extent. Index values and operation values encode alike.
func (e *encoder) value(v value) {
	if v.ext != nil {
		e.extent(v.ext)
		return
	}
	e.u64(0)
	e.str(v.inline)
}

func (e *encoder) opValue(v opValue) {
	if v.ext != nil {
		e.extent(v.ext)
		return
	}
	e.u64(0)
	e.bytes(v.inline)
}

func (e *encoder) extent(x *extent) {
	e.u64(1)
	e.u64(x.Off)
	e.u64(x.Len)
	e.u64(uint64(x.CRC))
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errShort
	}
}

func (d *decoder) u64() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length or count and checks it against limit and, with
// minBytes per item, against the bytes left.
func (d *decoder) count(limit uint64, minBytes uint64) int {
	n := d.u64()
	if d.err != nil {
		return 0
	}
	if n > limit || n*minBytes > uint64(len(d.b)) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) bytes(limit uint64) []byte {
	n := d.count(limit, 1)
	if d.err != nil {
		return nil
	}
	p := d.b[:n:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) str(limit uint64) string { return string(d.bytes(limit)) }

func (d *decoder) cont() ContainerID {
	var c ContainerID
	if d.err != nil {
		return c
	}
	if len(d.b) < len(c) {
		d.fail()
		return c
	}
	copy(c[:], d.b)
	d.b = d.b[len(c):]
	return c
}

func (d *decoder) oid() daos.ObjectID { return daos.ObjectID{Hi: d.u64(), Lo: d.u64()} }

func (d *decoder) stamp() stamp { return stamp{epoch: d.u64(), tx: TxID(d.u64())} }

func (d *decoder) stamps() []stamp {
	n := d.count(maxCount, 2)
	var out []stamp
	for i := 0; i < n && d.err == nil; i++ {
		out = append(out, d.stamp())
	}
	return out
}

func (d *decoder) value() value {
	v := d.opValue()
	return v.stored()
}

// opValue decodes a value without copying inline bytes: they stay in the
// record being decoded.
func (d *decoder) opValue() opValue {
	switch d.u64() {
	case 0:
		return opValue{inline: d.bytes(maxValueBytes)}
	case 1:
		e := extent{Off: d.u64(), Len: d.u64()}
		crc := d.u64()
		if e.Len == 0 || crc > 0xffffffff {
			d.fail()
		}
		e.CRC = uint32(crc)
		return opValue{ext: &e}
	default:
		d.fail()
		return opValue{}
	}
}

// MaxCsumBytes bounds the checksums stored with one value or extent: a
// 64 MiB extent summed in 4 KiB chunks with SHA-512 takes 1 MiB.
const MaxCsumBytes = 1 << 20

// Bounds for decoding; generous, but they stop a corrupt length from
// allocating the machine.
const (
	maxValueBytes = 1 << 30
	maxVersions   = 1 << 24
	maxCsumBytes  = MaxCsumBytes
)

// Operation types in the journal.
const (
	opCreateCont uint8 = iota + 1
	opDestroyCont
	opUpdate
	opPunch
	opCommit
	opAbort
	opSetSnapshots
	opAggregate // raises the boundary; opAggregateRange records do the work
	opDiscard
	opAggregateRange
	opBatch // steps of opUpdate and opPunch applied together
)

func encodeAggRange(cont ContainerID, upTo daos.Epoch, from, to daos.ObjectID) []byte {
	var e encoder
	e.cont(cont)
	e.u64(upTo)
	e.oid(from)
	e.oid(to)
	return e.b
}

func decodeAggRange(p []byte) (cont ContainerID, upTo daos.Epoch, from, to daos.ObjectID, err error) {
	d := decoder{b: p}
	cont, upTo, from, to = d.cont(), d.u64(), d.oid(), d.oid()
	if err = d.finish("aggregation range"); err == nil && (upTo == 0 || to.Less(from)) {
		err = daos.Errorf(daos.ErrDfInval, "decode aggregation range: bound %d, objects %s..%s", upTo, from, to)
	}
	return cont, upTo, from, to, err
}

// contOp covers the operations that name a container and up to two
// numbers: create, destroy, commit, abort, aggregate, discard.
type contOp struct {
	cont ContainerID
	a, b uint64
}

func encodeContOp(op contOp) []byte {
	var e encoder
	e.cont(op.cont)
	e.u64(op.a)
	e.u64(op.b)
	return e.b
}

func decodeContOp(p []byte) (contOp, error) {
	d := decoder{b: p}
	op := contOp{cont: d.cont(), a: d.u64(), b: d.u64()}
	return op, d.finish("container operation")
}

// finish reports a decoding error, or trailing bytes, naming what.
func (d *decoder) finish(what string) error {
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return daos.Errorf(daos.ErrDfInval, "decode %s: %v", what, d.err)
	}
	return nil
}

func encodeSnapshots(cont ContainerID, snaps []daos.Epoch) []byte {
	var e encoder
	e.cont(cont)
	e.u64(uint64(len(snaps)))
	for _, s := range snaps {
		e.u64(s)
	}
	return e.b
}

func decodeSnapshots(p []byte) (ContainerID, []daos.Epoch, error) {
	d := decoder{b: p}
	c := d.cont()
	n := d.count(maxVersions, 1)
	snaps := make([]daos.Epoch, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		snaps = append(snaps, d.u64())
	}
	return c, snaps, d.finish("snapshot list")
}

func encodeUpdate(op *updateOp) []byte { return appendUpdate(nil, op) }

// appendUpdate encodes op into dst's storage when it is large enough (the
// pool reuses one buffer: the journal copies what it is given).
func appendUpdate(dst []byte, op *updateOp) []byte {
	size := 64 + len(op.dkey)
	for i := range op.akeys {
		size += 32 + len(op.akeys[i].name) + 20*len(op.akeys[i].recxs)
		for j, v := range op.akeys[i].vals {
			size += 24 + len(v.inline) + len(op.akeys[i].csums[j])
		}
	}
	if cap(dst) < size {
		dst = make([]byte, 0, size)
	}
	e := encoder{b: dst[:0]}
	e.cont(op.cont)
	e.oid(op.oid)
	e.u64(op.epoch)
	e.u64(uint64(op.tx))
	e.str(op.dkey)
	e.u64(uint64(len(op.akeys)))
	for i := range op.akeys {
		au := &op.akeys[i]
		e.str(au.name)
		e.u64(uint64(au.typ))
		e.u64(au.size)
		e.u64(uint64(len(au.recxs)))
		for _, r := range au.recxs {
			e.u64(r.Idx)
			e.u64(r.Nr)
		}
		e.u64(uint64(len(au.vals)))
		for j := range au.vals {
			e.opValue(au.vals[j])
			e.bytes(au.csums[j])
		}
	}
	return e.b
}

// decodeUpdate decodes an update record. Like an op built from a caller's
// arguments, the result aliases p (names, inline values, checksums): it is
// valid while p is, and applying it copies whatever the index keeps.
func decodeUpdate(p []byte) (*updateOp, error) {
	d := decoder{b: p}
	op := &updateOp{cont: d.cont(), oid: d.oid(), epoch: d.u64(), tx: TxID(d.u64()), dkey: aliasString(d.bytes(MaxKeyBytes))}
	n := d.count(MaxIODs, 4)
	if n == 1 {
		op.akeys = op.one[:0]
	} else {
		op.akeys = make([]akeyUpdate, 0, n)
	}
	for i := 0; i < n && d.err == nil; i++ {
		op.akeys = append(op.akeys, akeyUpdate{name: aliasString(d.bytes(MaxKeyBytes)), typ: daos.IODType(d.u64()), size: d.u64()})
		au := &op.akeys[len(op.akeys)-1]
		nr := d.count(MaxRecxs, 2)
		if nr > 0 {
			au.recxs = make([]daos.Recx, 0, nr)
		}
		for j := 0; j < nr && d.err == nil; j++ {
			au.recxs = append(au.recxs, daos.Recx{Idx: d.u64(), Nr: d.u64()})
		}
		nv := d.count(MaxRecxs, 2)
		if nv == 1 {
			au.vals, au.csums = au.oneVal[:0], au.oneCsum[:0]
		}
		for j := 0; j < nv && d.err == nil; j++ {
			au.vals = append(au.vals, d.opValue())
			au.csums = append(au.csums, nilIfEmpty(d.bytes(maxCsumBytes)))
		}
	}
	if err := d.finish("update"); err != nil {
		return nil, err
	}
	if err := op.check(); err != nil {
		return nil, daos.Errorf(daos.ErrDfInval, "decode update: %v", err)
	}
	return op, nil
}

// check makes sure a decoded update has the shape apply relies on.
func (op *updateOp) check() error {
	if op.epoch == 0 || op.dkey == "" || len(op.akeys) == 0 {
		return errors.New("missing epoch, dkey or akeys")
	}
	for _, au := range op.akeys {
		if au.name == "" {
			return errors.New("empty akey")
		}
		switch au.typ {
		case daos.IODSingle:
			if len(au.vals) != 1 || len(au.recxs) != 0 {
				return fmt.Errorf("akey %q: single value with %d values, %d extents", au.name, len(au.vals), len(au.recxs))
			}
		case daos.IODArray:
			if len(au.vals) != len(au.recxs) || len(au.vals) == 0 {
				return fmt.Errorf("akey %q: %d values for %d extents", au.name, len(au.vals), len(au.recxs))
			}
			for j, r := range au.recxs {
				if err := checkExtentLen(r, au.size, au.vals[j].length()); err != nil {
					return fmt.Errorf("akey %q: %w", au.name, err)
				}
			}
		default:
			return fmt.Errorf("akey %q: type %d", au.name, au.typ)
		}
	}
	return nil
}

// checkExtentLen makes sure a stored array extent is well formed: not
// empty, not wrapping, and holding exactly its records' bytes.
func checkExtentLen(r daos.Recx, rsize, length uint64) error {
	if r.Nr == 0 || r.End() < r.Idx {
		return fmt.Errorf("extent %s is empty or wraps", r)
	}
	n, ok := mulNoOverflow(r.Nr, rsize)
	if !ok || length != n {
		return fmt.Errorf("extent %s of %d-byte records holds %d bytes", r, rsize, length)
	}
	return nil
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

func encodePunch(op *punchOp) []byte {
	var e encoder
	e.cont(op.cont)
	e.oid(op.oid)
	e.u64(op.epoch)
	e.u64(uint64(op.tx))
	e.u64(uint64(len(op.dkeys)))
	for _, k := range op.dkeys {
		e.str(k)
	}
	e.u64(uint64(len(op.akeys)))
	for _, k := range op.akeys {
		e.str(k)
	}
	return e.b
}

func decodePunch(p []byte) (*punchOp, error) {
	d := decoder{b: p}
	op := &punchOp{cont: d.cont(), oid: d.oid(), epoch: d.u64(), tx: TxID(d.u64())}
	n := d.count(MaxIODs, 1)
	for i := 0; i < n && d.err == nil; i++ {
		op.dkeys = append(op.dkeys, d.str(MaxKeyBytes))
	}
	n = d.count(MaxIODs, 1)
	for i := 0; i < n && d.err == nil; i++ {
		op.akeys = append(op.akeys, d.str(MaxKeyBytes))
	}
	if err := d.finish("punch"); err != nil {
		return nil, err
	}
	if op.epoch == 0 || (len(op.akeys) > 0 && len(op.dkeys) != 1) {
		return nil, daos.Errorf(daos.ErrDfInval, "decode punch: epoch %d, %d dkeys with %d akeys", op.epoch, len(op.dkeys), len(op.akeys))
	}
	return op, nil
}
