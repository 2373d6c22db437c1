// Package objproto is the wire protocol of object I/O between clients and
// engines: the opcodes and the request and reply messages of update,
// fetch, punch, enumerate and key query, encoded with pkg/rpc's codec.
//
// Every request names the pool, the container and the client's open
// handle of it, the pool map version the client placed the object with
// (an engine with a newer map answers DER_STALE so the client refreshes),
// the target on the engine that holds the shard, and the object. Values
// travel in the message below the endpoint's inline threshold and through
// one bulk handle otherwise (the engine pulls update data and pushes fetch
// data). Limits on every count and length match pkg/vos's, so a request
// VOS would refuse is refused here already, as DER_PROTO for a malformed
// message.
package objproto

import (
	"bytes"
	"math"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/object/csum"
	"github.com/daos-go/daos/pkg/rpc"
	"github.com/daos-go/daos/pkg/vos"
)

// Opcodes of object RPCs (daos-go's range 0x0300xxxx).
const (
	OpUpdate   rpc.Opcode = 0x03000001
	OpFetch    rpc.Opcode = 0x03000002
	OpPunch    rpc.Opcode = 0x03000003
	OpEnum     rpc.Opcode = 0x03000004
	OpQueryKey rpc.Opcode = 0x03000005
)

// Limits of one request, the same as VOS's.
const (
	MaxKeyBytes = vos.MaxKeyBytes
	MaxIODs     = vos.MaxIODs
	MaxRecxs    = vos.MaxRecxs
	MaxKeys     = 1 << 16 // keys in one punch or enumeration reply
	// MaxInlineBytes bounds inline data in one message; larger data must
	// use a bulk handle.
	MaxInlineBytes = 1 << 20
	// MaxCsumBytes bounds one IOD's checksums in a message.
	MaxCsumBytes = vos.MaxCsumBytes
)

// UUID is a pool, container or handle id.
type UUID [16]byte

// Header starts every object request.
type Header struct {
	Pool       UUID
	Cont       UUID
	ContHandle UUID
	MapVersion uint32
	// Target is the target index on the engine that holds the shard.
	Target uint32
	OID    daos.ObjectID
	// Epoch is what to read (fetch, enumerate, query; EpochMax for the
	// newest) or, for updates and punches, 0 to let the engine stamp the
	// write with its clock.
	Epoch daos.Epoch
	// HLC is the sender's hybrid logical clock, so an engine's stamps
	// order after everything the client has seen.
	HLC   uint64
	Flags daos.CondFlags
	// Csum is how the container's data is summed (its cksum properties):
	// updates carry the sums of their data, fetches get the sums of
	// what they read.
	Csum csum.Spec
}

func (h *Header) encode(e *rpc.Encoder) {
	e.PutRaw(h.Pool[:])
	e.PutRaw(h.Cont[:])
	e.PutRaw(h.ContHandle[:])
	e.PutUint32(h.MapVersion)
	e.PutUint32(h.Target)
	e.PutUint64(h.OID.Hi)
	e.PutUint64(h.OID.Lo)
	e.PutUint64(h.Epoch)
	e.PutUint64(h.HLC)
	e.PutUint64(uint64(h.Flags))
	e.PutUint8(uint8(h.Csum.Type))
	e.PutUint32(h.Csum.ChunkBytes)
	e.PutBool(h.Csum.ServerVerify)
}

func (h *Header) decode(d *rpc.Decoder) {
	copy(h.Pool[:], d.Raw(16))
	copy(h.Cont[:], d.Raw(16))
	copy(h.ContHandle[:], d.Raw(16))
	h.MapVersion = d.Uint32()
	h.Target = d.Uint32()
	h.OID.Hi = d.Uint64()
	h.OID.Lo = d.Uint64()
	h.Epoch = d.Uint64()
	h.HLC = d.Uint64()
	h.Flags = daos.CondFlags(d.Uint64())
	h.Csum.Type = csum.Type(d.Uint8())
	h.Csum.ChunkBytes = d.Uint32()
	h.Csum.ServerVerify = d.Bool()
	if err := h.Csum.Check(); err != nil && d.Err() == nil {
		d.Fail(err.Error())
	}
}

// IODBytes is how many bytes an IOD's data takes (in a fetch, the room
// the caller gives it): the value size for a single value, records times
// record size for an array; false when that does not fit in 64 bits.
// Engines check the limits (objsrv).
func IODBytes(iod *daos.IOD) (uint64, bool) {
	if iod.Type != daos.IODArray {
		return iod.Size, true
	}
	var recs uint64
	for _, r := range iod.Recxs {
		if recs+r.Nr < recs {
			return 0, false
		}
		recs += r.Nr
	}
	if iod.Size != 0 && recs > math.MaxUint64/iod.Size {
		return 0, false
	}
	return recs * iod.Size, true
}

// putCsums writes one checksum list per IOD (none: no checksums).
func putCsums(e *rpc.Encoder, sums [][]byte) {
	e.PutUvarint(uint64(len(sums)))
	for _, s := range sums {
		e.PutBytes(s)
	}
}

// csumsFrom reads what putCsums wrote: none, or one list per IOD. With
// clone the lists are copied out of the message.
func csumsFrom(d *rpc.Decoder, iods int, clone bool) [][]byte {
	n := d.Count(MaxIODs, 1)
	if d.Err() != nil || n == 0 {
		return nil
	}
	if n != iods {
		d.Fail("checksum lists not one per IOD")
		return nil
	}
	out := make([][]byte, n)
	for i := range out {
		out[i] = d.Bytes(MaxCsumBytes)
		if clone {
			out[i] = bytes.Clone(out[i])
		}
	}
	return out
}

func putIODs(e *rpc.Encoder, iods []daos.IOD) {
	e.PutUvarint(uint64(len(iods)))
	for _, iod := range iods {
		e.PutBytes(iod.Name)
		e.PutUint8(uint8(iod.Type))
		e.PutUvarint(iod.Size)
		e.PutUvarint(uint64(iod.Flags))
		e.PutUvarint(uint64(len(iod.Recxs)))
		for _, r := range iod.Recxs {
			e.PutUvarint(r.Idx)
			e.PutUvarint(r.Nr)
		}
	}
}

func iodsFrom(d *rpc.Decoder) []daos.IOD {
	n := d.Count(MaxIODs, 4)
	if d.Err() != nil {
		return nil
	}
	iods := make([]daos.IOD, n)
	for i := range iods {
		iod := &iods[i]
		iod.Name = d.Bytes(MaxKeyBytes)
		iod.Type = daos.IODType(d.Uint8())
		iod.Size = d.Uvarint()
		iod.Flags = daos.CondFlags(d.Uvarint())
		nr := d.Count(MaxRecxs, 2)
		if d.Err() != nil {
			return nil
		}
		if nr > 0 {
			iod.Recxs = make([]daos.Recx, nr)
			for j := range iod.Recxs {
				iod.Recxs[j] = daos.Recx{Idx: d.Uvarint(), Nr: d.Uvarint()}
			}
		}
		if iod.Type != daos.IODSingle && iod.Type != daos.IODArray && d.Err() == nil {
			d.Fail("IOD of unknown type")
		}
	}
	return iods
}

// UpdateReq writes IODs of one dkey. Data is every IOD's bytes back to
// back (a single value, or an array's extents in order).
type UpdateReq struct {
	Header
	Dkey []byte
	IODs []daos.IOD
	Data rpc.Bulk
	// Csums are the checksums of each IOD's data (csum.Spec.Compute),
	// when Header.Csum is on.
	Csums [][]byte
}

// EncodeRPC implements rpc.Message.
func (m *UpdateReq) EncodeRPC(e *rpc.Encoder) {
	m.Header.encode(e)
	e.PutBytes(m.Dkey)
	putIODs(e, m.IODs)
	e.PutBulk(m.Data)
	putCsums(e, m.Csums)
}

// DecodeRPC implements rpc.Message.
func (m *UpdateReq) DecodeRPC(d *rpc.Decoder) error {
	m.Header.decode(d)
	m.Dkey = d.Bytes(MaxKeyBytes)
	m.IODs = iodsFrom(d)
	m.Data = d.Bulk(MaxInlineBytes)
	m.Csums = csumsFrom(d, len(m.IODs), false)
	return d.Err()
}

// UpdateResp says which epoch the update was stamped with.
type UpdateResp struct {
	Epoch      daos.Epoch
	MapVersion uint32
	HLC        uint64
}

// EncodeRPC implements rpc.Message.
func (m *UpdateResp) EncodeRPC(e *rpc.Encoder) {
	e.PutUint64(m.Epoch)
	e.PutUint32(m.MapVersion)
	e.PutUint64(m.HLC)
}

// CopiesRPC implements rpc.Copying: the reply is scalars only, so its
// message goes back to the transport's pool once decoded (an update's
// reply is the commonest message a client receives).
func (*UpdateResp) CopiesRPC() bool { return true }

// DecodeRPC implements rpc.Message.
func (m *UpdateResp) DecodeRPC(d *rpc.Decoder) error {
	m.Epoch = d.Uint64()
	m.MapVersion = d.Uint32()
	m.HLC = d.Uint64()
	return d.Err()
}

// FetchReq reads IODs of one dkey into the caller's memory (Data: where
// the values go, back to back, sized by the IODs), or, with SizeOnly, asks
// for the sizes alone.
type FetchReq struct {
	Header
	Dkey     []byte
	IODs     []daos.IOD
	Data     rpc.Bulk
	SizeOnly bool
}

// EncodeRPC implements rpc.Message.
func (m *FetchReq) EncodeRPC(e *rpc.Encoder) {
	m.Header.encode(e)
	e.PutBytes(m.Dkey)
	putIODs(e, m.IODs)
	e.PutBulk(m.Data)
	e.PutBool(m.SizeOnly)
}

// DecodeRPC implements rpc.Message.
func (m *FetchReq) DecodeRPC(d *rpc.Decoder) error {
	m.Header.decode(d)
	m.Dkey = d.Bytes(MaxKeyBytes)
	m.IODs = iodsFrom(d)
	m.Data = d.Bulk(MaxInlineBytes)
	m.SizeOnly = d.Bool()
	return d.Err()
}

// FetchResp carries each IOD's size (value size, or record size for
// arrays; 0 when nothing is there) and, when the data travels inline, the
// data.
type FetchResp struct {
	Sizes      []uint64
	Inline     []byte
	MapVersion uint32
	HLC        uint64
	// Csums are the checksums of what each IOD read, when the request's
	// Header.Csum is on (decoded into memory of their own).
	Csums [][]byte

	// Deliver, when set by the caller, takes the inline data while the
	// reply is decoded (it must copy what it keeps; an error fails the
	// decode) and Inline stays nil: the reply then holds nothing of its
	// message, which goes back to the transport's pool.
	Deliver func(inline []byte) error
}

// CopiesRPC implements rpc.Copying: with Deliver set, nothing of the
// message is kept.
func (m *FetchResp) CopiesRPC() bool { return m.Deliver != nil }

// EncodeRPC implements rpc.Message.
func (m *FetchResp) EncodeRPC(e *rpc.Encoder) {
	e.PutUvarint(uint64(len(m.Sizes)))
	for _, s := range m.Sizes {
		e.PutUvarint(s)
	}
	e.PutBytes(m.Inline)
	e.PutUint32(m.MapVersion)
	e.PutUint64(m.HLC)
	putCsums(e, m.Csums)
}

// DecodeRPC implements rpc.Message.
func (m *FetchResp) DecodeRPC(d *rpc.Decoder) error {
	n := d.Count(MaxIODs, 1)
	if d.Err() != nil {
		return d.Err()
	}
	m.Sizes = make([]uint64, n)
	for i := range m.Sizes {
		m.Sizes[i] = d.Uvarint()
	}
	inline := d.Bytes(MaxInlineBytes)
	m.MapVersion = d.Uint32()
	m.HLC = d.Uint64()
	m.Csums = csumsFrom(d, len(m.Sizes), true)
	if err := d.Err(); err != nil {
		return err
	}
	if m.Deliver != nil {
		return m.Deliver(inline)
	}
	m.Inline = inline
	return nil
}

// PunchKind says what a punch removes.
type PunchKind uint8

// Punch kinds.
const (
	PunchObject PunchKind = 1
	PunchDkeys  PunchKind = 2
	PunchAkeys  PunchKind = 3
)

// PunchReq punches the object, some of its dkeys, or some akeys of one
// dkey.
type PunchReq struct {
	Header
	Kind PunchKind
	Dkey []byte   // PunchAkeys
	Keys [][]byte // dkeys (PunchDkeys) or akeys (PunchAkeys)
}

// EncodeRPC implements rpc.Message.
func (m *PunchReq) EncodeRPC(e *rpc.Encoder) {
	m.Header.encode(e)
	e.PutUint8(uint8(m.Kind))
	e.PutBytes(m.Dkey)
	putKeys(e, m.Keys)
}

// DecodeRPC implements rpc.Message.
func (m *PunchReq) DecodeRPC(d *rpc.Decoder) error {
	m.Header.decode(d)
	m.Kind = PunchKind(d.Uint8())
	m.Dkey = d.Bytes(MaxKeyBytes)
	m.Keys = keysFrom(d)
	if d.Err() == nil && (m.Kind < PunchObject || m.Kind > PunchAkeys) {
		d.Fail("punch of unknown kind")
	}
	return d.Err()
}

func putKeys(e *rpc.Encoder, keys [][]byte) {
	e.PutUvarint(uint64(len(keys)))
	for _, k := range keys {
		e.PutBytes(k)
	}
}

func keysFrom(d *rpc.Decoder) [][]byte {
	n := d.Count(MaxKeys, 1)
	if d.Err() != nil || n == 0 {
		return nil
	}
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = d.Bytes(MaxKeyBytes)
	}
	return keys
}

// EnumKind says what an enumeration lists.
type EnumKind uint8

// Enumeration kinds.
const (
	EnumObjects EnumKind = 1
	EnumDkeys   EnumKind = 2
	EnumAkeys   EnumKind = 3
	EnumRecxs   EnumKind = 4
)

// EnumReq lists up to Max entries after Anchor (empty: from the start).
type EnumReq struct {
	Header
	Kind   EnumKind
	Dkey   []byte // akeys and recxs
	Akey   []byte // recxs
	Anchor []byte
	Max    uint32
}

// EncodeRPC implements rpc.Message.
func (m *EnumReq) EncodeRPC(e *rpc.Encoder) {
	m.Header.encode(e)
	e.PutUint8(uint8(m.Kind))
	e.PutBytes(m.Dkey)
	e.PutBytes(m.Akey)
	e.PutBytes(m.Anchor)
	e.PutUint32(m.Max)
}

// DecodeRPC implements rpc.Message.
func (m *EnumReq) DecodeRPC(d *rpc.Decoder) error {
	m.Header.decode(d)
	m.Kind = EnumKind(d.Uint8())
	m.Dkey = d.Bytes(MaxKeyBytes)
	m.Akey = d.Bytes(MaxKeyBytes)
	m.Anchor = d.Bytes(MaxKeyBytes + 64)
	m.Max = d.Uint32()
	if d.Err() == nil && (m.Kind < EnumObjects || m.Kind > EnumRecxs) {
		d.Fail("enumeration of unknown kind")
	}
	return d.Err()
}

// Extent is an array extent an enumeration found, with its epoch.
type Extent struct {
	Recx  daos.Recx
	Epoch daos.Epoch
}

// EnumResp is one batch: keys (dkeys or akeys), object ids, or extents
// with the array's record size; Anchor resumes after it, EOF says there is
// nothing more.
type EnumResp struct {
	Keys       [][]byte
	OIDs       []daos.ObjectID
	Extents    []Extent
	RecordSize uint64
	Anchor     []byte
	EOF        bool
	MapVersion uint32
}

// EncodeRPC implements rpc.Message.
func (m *EnumResp) EncodeRPC(e *rpc.Encoder) {
	putKeys(e, m.Keys)
	e.PutUvarint(uint64(len(m.OIDs)))
	for _, o := range m.OIDs {
		e.PutUint64(o.Hi)
		e.PutUint64(o.Lo)
	}
	e.PutUvarint(uint64(len(m.Extents)))
	for _, x := range m.Extents {
		e.PutUvarint(x.Recx.Idx)
		e.PutUvarint(x.Recx.Nr)
		e.PutUint64(x.Epoch)
	}
	e.PutUvarint(m.RecordSize)
	e.PutBytes(m.Anchor)
	e.PutBool(m.EOF)
	e.PutUint32(m.MapVersion)
}

// DecodeRPC implements rpc.Message.
func (m *EnumResp) DecodeRPC(d *rpc.Decoder) error {
	m.Keys = keysFrom(d)
	n := d.Count(MaxKeys, 16)
	if d.Err() != nil {
		return d.Err()
	}
	if n > 0 {
		m.OIDs = make([]daos.ObjectID, n)
		for i := range m.OIDs {
			m.OIDs[i] = daos.ObjectID{Hi: d.Uint64(), Lo: d.Uint64()}
		}
	}
	n = d.Count(MaxKeys, 10)
	if d.Err() != nil {
		return d.Err()
	}
	if n > 0 {
		m.Extents = make([]Extent, n)
		for i := range m.Extents {
			m.Extents[i] = Extent{Recx: daos.Recx{Idx: d.Uvarint(), Nr: d.Uvarint()}, Epoch: d.Uint64()}
		}
	}
	m.RecordSize = d.Uvarint()
	m.Anchor = d.Bytes(MaxKeyBytes + 64)
	m.EOF = d.Bool()
	m.MapVersion = d.Uint32()
	return d.Err()
}

// QueryKeyReq asks for the greatest or least dkey, akey or recx
// (daos.QueryFlags).
type QueryKeyReq struct {
	Header
	Query daos.QueryFlags
	Dkey  []byte
	Akey  []byte
}

// EncodeRPC implements rpc.Message.
func (m *QueryKeyReq) EncodeRPC(e *rpc.Encoder) {
	m.Header.encode(e)
	e.PutUint32(uint32(m.Query))
	e.PutBytes(m.Dkey)
	e.PutBytes(m.Akey)
}

// DecodeRPC implements rpc.Message.
func (m *QueryKeyReq) DecodeRPC(d *rpc.Decoder) error {
	m.Header.decode(d)
	m.Query = daos.QueryFlags(d.Uint32())
	m.Dkey = d.Bytes(MaxKeyBytes)
	m.Akey = d.Bytes(MaxKeyBytes)
	return d.Err()
}

// QueryKeyResp is what the query found.
type QueryKeyResp struct {
	Dkey       []byte
	Akey       []byte
	Recx       daos.Recx
	MapVersion uint32
	// MaxEpoch is the newest change to the object on this shard.
	MaxEpoch daos.Epoch
}

// EncodeRPC implements rpc.Message.
func (m *QueryKeyResp) EncodeRPC(e *rpc.Encoder) {
	e.PutBytes(m.Dkey)
	e.PutBytes(m.Akey)
	e.PutUvarint(m.Recx.Idx)
	e.PutUvarint(m.Recx.Nr)
	e.PutUint32(m.MapVersion)
	e.PutUint64(uint64(m.MaxEpoch))
}

// DecodeRPC implements rpc.Message.
func (m *QueryKeyResp) DecodeRPC(d *rpc.Decoder) error {
	m.Dkey = d.Bytes(MaxKeyBytes)
	m.Akey = d.Bytes(MaxKeyBytes)
	m.Recx = daos.Recx{Idx: d.Uvarint(), Nr: d.Uvarint()}
	m.MapVersion = d.Uint32()
	m.MaxEpoch = daos.Epoch(d.Uint64())
	return d.Err()
}
