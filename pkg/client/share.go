package client

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"slices"
	"sort"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// Handle sharing (daos_pool_local2global / global2local and the
// container pair).
//
// A process that connected a pool or opened a container can turn its
// handle into a "global" blob, ship the bytes to other processes (MPI
// broadcast, a file, a pipe) and let each of them rebuild a working handle
// with no exchange with the pool service and none with the sender: the
// blob carries everything the receiver's I/O needs.
//
// Ownership: the handle stays the sender's. A receiver's Disconnect or
// Close only forgets its local copy; it never closes the handle at the
// pool service, so the sender's (and every other receiver's) copy keeps
// working. The sender closes the real handle when the job is done, after
// which the receivers' copies stop working, as in DAOS.
//
// Blob layout (all integers little-endian):
//
//	header, 16 bytes:
//	  magic   [4]byte  "DGph" (pool) or "DGch" (container)
//	  version uint16   1
//	  zero    uint16
//	  length  uint32   bytes of body that follow
//	  crc     uint32   CRC-32C of the body
//	pool body:
//	  pool UUID [16], pool handle UUID [16], connect flags u64,
//	  pool map version u32, pool map (u32 length + placement encoding),
//	  rank addresses (u32 count, then rank u32 + string each, rank order),
//	  pool service replicas (u32 count, then string each)
//	container body:
//	  pool UUID [16], container UUID [16], container handle UUID [16],
//	  open flags u64, label string, layout type string,
//	  properties (u32 count, then name string + value string each, by name)
//
// A string is a u32 length and its bytes. The blob is exactly header plus
// body: a blob of another length, of the other kind, of another version,
// with a bad checksum or inconsistent contents is refused with DER_INVAL
// saying what was wrong. For one handle and one pool map the blob is
// always the same bytes, so a size query and the fill agree.

const (
	shareVersion   = 1
	shareHeaderLen = 16
	// maxShareBlob bounds what a receiver accepts (a pool map of
	// thousands of ranks is well under it).
	maxShareBlob = 64 << 20
)

var (
	poolMagic = [4]byte{'D', 'G', 'p', 'h'}
	contMagic = [4]byte{'D', 'G', 'c', 'h'}
	castagn   = crc32.MakeTable(crc32.Castagnoli)
)

func sealBlob(magic [4]byte, body []byte) []byte {
	b := make([]byte, shareHeaderLen, shareHeaderLen+len(body))
	copy(b, magic[:])
	binary.LittleEndian.PutUint16(b[4:], shareVersion)
	binary.LittleEndian.PutUint32(b[8:], uint32(len(body)))
	binary.LittleEndian.PutUint32(b[12:], crc32.Checksum(body, castagn))
	return append(b, body...)
}

// openBlob checks the header and returns the body.
func openBlob(what string, magic [4]byte, b []byte) ([]byte, error) {
	bad := func(format string, args ...any) error {
		return daos.Errorf(daos.ErrInval, "%s global handle: %s", what, fmt.Sprintf(format, args...))
	}
	if len(b) < shareHeaderLen {
		return nil, bad("%d bytes, shorter than the %d-byte header", len(b), shareHeaderLen)
	}
	switch m := [4]byte(b[:4]); m {
	case magic:
	case poolMagic, contMagic:
		return nil, bad("this is a %s handle", map[[4]byte]string{poolMagic: "pool", contMagic: "container"}[m])
	default:
		return nil, bad("bad magic %q (not a daos-go global handle)", b[:4])
	}
	if v := binary.LittleEndian.Uint16(b[4:]); v != shareVersion {
		return nil, bad("version %d, this library reads version %d", v, shareVersion)
	}
	if z := binary.LittleEndian.Uint16(b[6:]); z != 0 {
		return nil, bad("reserved header field is %d, not 0", z)
	}
	n := binary.LittleEndian.Uint32(b[8:])
	if uint64(n) != uint64(len(b)-shareHeaderLen) {
		return nil, bad("header says %d body bytes, blob has %d (truncated or padded)", n, len(b)-shareHeaderLen)
	}
	body := b[shareHeaderLen:]
	if crc := crc32.Checksum(body, castagn); crc != binary.LittleEndian.Uint32(b[12:]) {
		return nil, bad("checksum mismatch (corrupted in transit)")
	}
	return body, nil
}

type blobWriter struct{ b []byte }

func (w *blobWriter) uuid(u objproto.UUID) { w.b = append(w.b, u[:]...) }
func (w *blobWriter) u32(v uint32)         { w.b = binary.LittleEndian.AppendUint32(w.b, v) }
func (w *blobWriter) u64(v uint64)         { w.b = binary.LittleEndian.AppendUint64(w.b, v) }
func (w *blobWriter) bytes(v []byte)       { w.u32(uint32(len(v))); w.b = append(w.b, v...) }
func (w *blobWriter) str(s string)         { w.u32(uint32(len(s))); w.b = append(w.b, s...) }

// blobReader reads a body; the first failure sticks and names the field.
type blobReader struct {
	what string
	b    []byte
	err  error
}

func (r *blobReader) fail(field, format string, args ...any) {
	if r.err == nil {
		r.err = daos.Errorf(daos.ErrInval, "%s global handle: %s: %s", r.what, field, fmt.Sprintf(format, args...))
	}
}

func (r *blobReader) take(field string, n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.fail(field, "truncated (needs %d bytes, %d left)", n, len(r.b))
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *blobReader) uuid(field string) (u objproto.UUID) {
	copy(u[:], r.take(field, 16))
	return u
}

func (r *blobReader) u32(field string) uint32 {
	if b := r.take(field, 4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *blobReader) u64(field string) uint64 {
	if b := r.take(field, 8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (r *blobReader) bytes(field string) []byte { return r.take(field, uint64(r.u32(field))) }
func (r *blobReader) str(field string) string   { return string(r.bytes(field)) }

// count reads a list length, refusing one the remaining bytes cannot hold
// (each entry takes at least min bytes), which bounds allocations.
func (r *blobReader) count(field string, min int) int {
	n := uint64(r.u32(field))
	if r.err == nil && n*uint64(min) > uint64(len(r.b)) {
		r.fail(field, "count %d does not fit in the %d bytes left", n, len(r.b))
		return 0
	}
	return int(n)
}

func (r *blobReader) end() error {
	if r.err == nil && len(r.b) != 0 {
		r.fail("end", "%d unexpected trailing bytes", len(r.b))
	}
	return r.err
}

// Local2Global encodes the pool handle for another process
// (daos_pool_local2global). See the comment above for what it carries.
func (p *Pool) Local2Global() ([]byte, error) {
	if p == nil || p.View == nil {
		return nil, daos.Errorf(daos.ErrNoHdl, "pool local2global: no pool handle")
	}
	pm := p.View.Map()
	if pm == nil {
		return nil, daos.Errorf(daos.ErrNoHdl, "pool local2global: handle has no pool map")
	}
	if p.Flags&(RO|RW|EX) == 0 || p.Flags&^(RO|RW|EX) != 0 {
		return nil, daos.Errorf(daos.ErrInval, "pool local2global: connect flags %#x are not one of RO, RW, EX", p.Flags)
	}
	uris := p.View.URIs()
	ranks := make([]uint32, 0, len(uris))
	for r := range uris {
		ranks = append(ranks, r)
	}
	slices.Sort(ranks)
	w := &blobWriter{}
	w.uuid(p.UUID)
	w.uuid(p.Handle)
	w.u64(p.Flags)
	w.u32(pm.Version())
	w.bytes(pm.Encode())
	w.u32(uint32(len(ranks)))
	for _, r := range ranks {
		w.u32(r)
		w.str(uris[r].String())
	}
	w.u32(uint32(len(p.replicas)))
	for _, s := range p.replicas {
		w.str(s)
	}
	return sealBlob(poolMagic, w.b), nil
}

// PoolFromGlobal rebuilds a pool handle from another process's
// Local2Global blob (daos_pool_global2local), without any RPC. The pool
// uses c's endpoint for I/O. Its Disconnect only drops this copy.
func (c *Client) PoolFromGlobal(blob []byte) (*Pool, error) {
	if len(blob) > maxShareBlob {
		return nil, daos.Errorf(daos.ErrInval, "pool global handle: %d bytes, more than the %d accepted", len(blob), maxShareBlob)
	}
	body, err := openBlob("pool", poolMagic, blob)
	if err != nil {
		return nil, err
	}
	r := &blobReader{what: "pool", b: body}
	p := &Pool{c: c, imported: true}
	p.UUID = r.uuid("pool uuid")
	p.Handle = r.uuid("pool handle uuid")
	p.Flags = r.u64("connect flags")
	version := r.u32("pool map version")
	mapBytes := r.bytes("pool map")
	uris := map[uint32]fabric.URI{}
	n := r.count("rank addresses", 8)
	last := int64(-1)
	for i := 0; i < n && r.err == nil; i++ {
		rank := r.u32("rank")
		s := r.str("rank address")
		if r.err != nil {
			break
		}
		if int64(rank) <= last {
			r.fail("rank addresses", "rank %d out of order", rank)
			break
		}
		last = int64(rank)
		u, err := fabric.ParseURI(s)
		if err != nil {
			r.fail("rank addresses", "rank %d: %v", rank, err)
			break
		}
		uris[rank] = u
	}
	n = r.count("service replicas", 4)
	for i := 0; i < n && r.err == nil; i++ {
		s := r.str("service replica")
		if r.err == nil {
			if _, err := fabric.ParseURI(s); err != nil {
				r.fail("service replicas", "%v", err)
			}
			p.replicas = append(p.replicas, s)
		}
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	if p.UUID == (objproto.UUID{}) || p.Handle == (objproto.UUID{}) {
		return nil, daos.Errorf(daos.ErrInval, "pool global handle: nil pool or handle uuid")
	}
	if p.Flags&(RO|RW|EX) == 0 || p.Flags&^(RO|RW|EX) != 0 {
		return nil, daos.Errorf(daos.ErrInval, "pool global handle: connect flags %#x are not one of RO, RW, EX", p.Flags)
	}
	pm, err := placement.DecodePoolMap(mapBytes)
	if err != nil {
		return nil, daos.Errorf(daos.ErrInval, "pool global handle: pool map: %v", err)
	}
	if pm.Version() != version {
		return nil, daos.Errorf(daos.ErrInval, "pool global handle: pool map is version %d, header says %d", pm.Version(), version)
	}
	p.View = NewPoolView(p.UUID, pm, uris, p.refresh)
	return p, nil
}

// OpenFlags are the flags the container was opened with (RO, RW, EX); 0
// for a Container built by hand.
func (c *Container) OpenFlags() uint64 { return c.flags }

// Imported tells whether the container handle came from another process
// through ContainerFromGlobal.
func (c *Container) Imported() bool { return c.imported }

// Local2Global encodes the container handle for another process
// (daos_cont_local2global): container and handle UUIDs, open flags and
// the container's label, layout type and properties as they were at open.
func (c *Container) Local2Global() ([]byte, error) {
	if c == nil || c.Pool == nil {
		return nil, daos.Errorf(daos.ErrNoHdl, "container local2global: no container handle")
	}
	w := &blobWriter{}
	w.uuid(c.Pool.UUID)
	w.uuid(c.UUID)
	w.uuid(c.Handle)
	w.u64(c.OpenFlags())
	var label, typ string
	var props map[string]string
	if c.Info != nil {
		label, typ, props = c.Info.Label, c.Info.Type, c.Info.Props
	}
	w.str(label)
	w.str(typ)
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	w.u32(uint32(len(names)))
	for _, k := range names {
		w.str(k)
		w.str(props[k])
	}
	return sealBlob(contMagic, w.b), nil
}

// ContainerFromGlobal rebuilds a container handle from another process's
// Local2Global blob (daos_cont_global2local) on p, this process's handle
// of the same pool, without any RPC. Its Close only drops this copy.
func (p *Pool) ContainerFromGlobal(blob []byte) (*Container, error) {
	if p == nil || p.View == nil {
		return nil, daos.Errorf(daos.ErrNoHdl, "container global2local: no pool handle")
	}
	if p.c == nil {
		return nil, daos.Errorf(daos.ErrNoHdl, "container global2local: pool handle has no client")
	}
	if len(blob) > maxShareBlob {
		return nil, daos.Errorf(daos.ErrInval, "container global handle: %d bytes, more than the %d accepted", len(blob), maxShareBlob)
	}
	body, err := openBlob("container", contMagic, blob)
	if err != nil {
		return nil, err
	}
	r := &blobReader{what: "container", b: body}
	poolUUID := r.uuid("pool uuid")
	cont := r.uuid("container uuid")
	handle := r.uuid("container handle uuid")
	flags := r.u64("open flags")
	info := &poolsvc.ContInfo{Label: r.str("label"), Type: r.str("layout type"), Props: map[string]string{}}
	n := r.count("properties", 8)
	prev := ""
	for i := 0; i < n && r.err == nil; i++ {
		k := r.str("property name")
		v := r.str("property value")
		if r.err == nil && (k == "" || i > 0 && k <= prev) {
			r.fail("properties", "name %q empty or out of order", k)
		}
		prev = k
		info.Props[k] = v
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	if poolUUID != p.UUID {
		return nil, daos.Errorf(daos.ErrInval, "container global handle: made for pool %s, this handle is of pool %s",
			uuidString(poolUUID), uuidString(p.UUID))
	}
	if cont == (objproto.UUID{}) || handle == (objproto.UUID{}) {
		return nil, daos.Errorf(daos.ErrInval, "container global handle: nil container or handle uuid")
	}
	if flags&^(RO|RW|EX) != 0 {
		return nil, daos.Errorf(daos.ErrInval, "container global handle: open flags %#x unknown", flags)
	}
	info.UUID = target.UUID(cont).String()
	info.Status = info.Props["status"]
	spec, err := csumSpec(info)
	if err != nil {
		return nil, fmt.Errorf("container global handle: %w", err)
	}
	ct := &Container{Pool: p.View, UUID: cont, Handle: handle, IO: p.c.io, Info: info, pool: p, csum: spec}
	ct.flags, ct.imported = flags, true
	return ct, nil
}
