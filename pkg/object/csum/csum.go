// Package csum computes and checks the checksums that protect object data
// end to end, as a container's cksum, cksum_size and srv_cksum properties
// ask: the client sums what it writes and checks what it reads, the
// engine checks what it receives (srv_cksum) and sums what it returns.
//
// What is summed, per IOD: a single value as one piece; an array's
// extents in chunks aligned in record-index space, chunk k holding the
// records [k*C, (k+1)*C) where C is max(1, cksum_size / record size), one
// checksum for the part of each chunk an extent covers. An IOD's sums are
// its extents' chunk checksums back to back, in extent order.
package csum

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/adler32"

	"github.com/daos-go/daos/cgo/isal"
	"github.com/daos-go/daos/pkg/daos"
)

// Type is a checksum algorithm, numbered as DAOS numbers them
// (DAOS_PROP_CO_CSUM_*).
type Type uint8

const (
	Off Type = iota
	CRC16
	CRC32
	CRC64
	SHA1
	SHA256
	SHA512
	Adler32
	nTypes
)

var names = [nTypes]string{"off", "crc16", "crc32", "crc64", "sha1", "sha256", "sha512", "adler32"}

func (t Type) String() string {
	if t < nTypes {
		return names[t]
	}
	return fmt.Sprintf("csum-type-%d", uint8(t))
}

// ParseType reads a type by its property name (crc32, ...).
func ParseType(s string) (Type, error) {
	for i, n := range names {
		if n == s {
			return Type(i), nil
		}
	}
	return Off, daos.Errorf(daos.ErrInval, "checksum type %q: want one of off, crc16, crc32, crc64, sha1, sha256, sha512, adler32", s)
}

// New makes the algorithm's hash; Off and unknown types are DER_INVAL.
func (t Type) New() (hash.Hash, error) {
	switch t {
	case CRC16:
		return &crc16{}, nil
	case CRC32:
		return &crc32c{}, nil
	case CRC64:
		return &crc64x{}, nil
	case SHA1:
		return sha1.New(), nil
	case SHA256:
		return sha256.New(), nil
	case SHA512:
		return sha512.New(), nil
	case Adler32:
		return adler32.New(), nil
	}
	return nil, daos.Errorf(daos.ErrInval, "checksum type %s: no algorithm", t)
}

// Size is the length of one checksum (0 for Off and unknown types).
func (t Type) Size() int {
	switch t {
	case CRC16:
		return 2
	case CRC32, Adler32:
		return 4
	case CRC64:
		return 8
	case SHA1:
		return sha1.Size
	case SHA256:
		return sha256.Size
	case SHA512:
		return sha512.Size
	}
	return 0
}

// Spec is how a container's data is summed; the zero Spec sums nothing.
type Spec struct {
	Type Type
	// ChunkBytes is cksum_size.
	ChunkBytes uint32
	// ServerVerify: engines check updates before storing them (srv_cksum).
	ServerVerify bool
}

// String says how the spec sums, for messages.
func (s Spec) String() string {
	if !s.On() {
		return "no checksums"
	}
	srv := "off"
	if s.ServerVerify {
		srv = "on"
	}
	return fmt.Sprintf("%s in %d-byte chunks (srv_cksum %s)", s.Type, s.ChunkBytes, srv)
}

// On says the spec sums anything.
func (s Spec) On() bool { return s.Type != Off }

// Check refuses a spec no engine or client could follow.
func (s Spec) Check() error {
	if s.Type == Off {
		return nil
	}
	if s.Type >= nTypes {
		return daos.Errorf(daos.ErrInval, "checksum type %d is unknown", uint8(s.Type))
	}
	if s.ChunkBytes == 0 {
		return daos.Errorf(daos.ErrInval, "checksum chunk size 0")
	}
	return nil
}

// recsPerChunk is C for records of recSize bytes.
func (s Spec) recsPerChunk(recSize uint64) uint64 {
	return max(1, uint64(s.ChunkBytes)/max(recSize, 1))
}

// Count is how many checksums an IOD's data of n bytes takes (for a
// single value, 1 when n > 0; for an array, per its extents' chunks).
func (s Spec) Count(iod *daos.IOD, n uint64) int {
	if !s.On() || n == 0 {
		return 0
	}
	if iod.Type != daos.IODArray {
		return 1
	}
	c := s.recsPerChunk(iod.Size)
	total := 0
	for _, r := range iod.Recxs {
		if r.Nr == 0 {
			continue
		}
		total += int((r.Idx+r.Nr-1)/c - r.Idx/c + 1)
	}
	return total
}

// Fits refuses an IOD of n bytes whose checksums would take more than
// max bytes (a message's or a stored extent's bound): DER_INVAL naming
// the chunk size, which is what makes them so many.
func (s Spec) Fits(iod *daos.IOD, n uint64, max int) error {
	if need := s.Count(iod, n) * s.Type.Size(); need > max {
		return daos.Errorf(daos.ErrInval, "akey %q: %d bytes in %d-byte %s chunks need %d bytes of checksums, more than the %d one I/O may carry: the container's cksum_size is too small for I/O this large",
			iod.Name, n, s.ChunkBytes, s.Type, need, max)
	}
	return nil
}

// Compute appends to dst the checksums of one IOD's data, given as
// segments holding n bytes in all (the IOD's value, or its extents'
// records back to back, record size iod.Size).
func (s Spec) Compute(dst []byte, iod *daos.IOD, segs [][]byte, n uint64) ([]byte, error) {
	if !s.On() || n == 0 {
		return dst, nil
	}
	h, err := s.Type.New()
	if err != nil {
		return dst, err
	}
	cur := cursor{segs: segs}
	if iod.Type != daos.IODArray {
		cur.feed(h, n)
		return h.Sum(dst), cur.err
	}
	recSize := max(iod.Size, 1)
	c := s.recsPerChunk(recSize)
	for _, r := range iod.Recxs {
		for idx := r.Idx; idx < r.Idx+r.Nr; {
			end := min((idx/c+1)*c, r.Idx+r.Nr)
			h.Reset()
			cur.feed(h, (end-idx)*recSize)
			dst = h.Sum(dst)
			idx = end
		}
	}
	if cur.err == nil && cur.fed != n {
		cur.err = daos.Errorf(daos.ErrInval, "checksum: the extents describe %d bytes, the data is %d", cur.fed, n)
	}
	return dst, cur.err
}

// Verify checks one IOD's data against its checksums (as Compute gives
// them): DER_CSUM names the IOD's akey and the first chunk that differs.
func (s Spec) Verify(iod *daos.IOD, segs [][]byte, n uint64, sums []byte) error {
	if !s.On() {
		return nil
	}
	got, err := s.Compute(nil, iod, segs, n)
	if err != nil {
		return err
	}
	if len(sums) != len(got) {
		return daos.Errorf(daos.ErrCsum, "akey %q: %d bytes of %s checksums, the data needs %d", iod.Name, len(sums), s.Type, len(got))
	}
	if bytes.Equal(got, sums) {
		return nil
	}
	size := s.Type.Size()
	for i := 0; i+size <= len(got); i += size {
		if !bytes.Equal(got[i:i+size], sums[i:i+size]) {
			return daos.Errorf(daos.ErrCsum, "akey %q: %s checksum %d of %d does not match the data", iod.Name, s.Type, i/size, len(got)/size)
		}
	}
	return daos.Errorf(daos.ErrCsum, "akey %q: %s checksums do not match the data", iod.Name, s.Type)
}

// FetchedBytes is how much of an IOD's room (in a fetch, the bytes its
// IOD describes) a fetch's checksums cover, given the size the engine
// found: a single value's size, at most the room; an array's whole room,
// holes read as zeros.
func FetchedBytes(iod *daos.IOD, size, room uint64) uint64 {
	if iod.Type == daos.IODArray {
		return room
	}
	return min(size, room)
}

// Split cuts an IOD's checksums (n bytes of data) into one piece per
// extent (a single value: one piece), as VOS stores them with each
// extent; nil when the checksums are not as many as the data needs.
func (s Spec) Split(iod *daos.IOD, n uint64, sums []byte) [][]byte {
	size := s.Type.Size()
	if !s.On() || n == 0 || len(sums) != s.Count(iod, n)*size {
		return nil // nothing summed (a punch's extents hold no data)
	}
	if iod.Type != daos.IODArray {
		return [][]byte{sums}
	}
	c := s.recsPerChunk(iod.Size)
	out := make([][]byte, len(iod.Recxs))
	off := 0
	for i, r := range iod.Recxs {
		k := 0
		if r.Nr > 0 {
			k = int((r.Idx+r.Nr-1)/c - r.Idx/c + 1)
		}
		if off+k*size > len(sums) {
			return nil
		}
		out[i] = sums[off : off+k*size : off+k*size]
		off += k * size
	}
	return out
}

// cursor feeds bytes from a list of segments into hashes in order.
type cursor struct {
	segs [][]byte
	off  int
	fed  uint64
	err  error
}

func (c *cursor) feed(h hash.Hash, n uint64) {
	for n > 0 && c.err == nil {
		if len(c.segs) == 0 {
			c.err = daos.Errorf(daos.ErrInval, "checksum: %d bytes of data missing", n)
			return
		}
		seg := c.segs[0][c.off:]
		take := min(uint64(len(seg)), n)
		h.Write(seg[:take])
		c.fed += take
		n -= take
		c.off += int(take)
		if c.off == len(c.segs[0]) {
			c.segs, c.off = c.segs[1:], 0
		}
	}
}

// crc32c and crc64x are CRC-32C and CRC-64/XZ through cgo/isal, which
// takes ISA-L where the build has it and the data is long enough for
// that to pay (DAOS sums with ISA-L), the standard library otherwise.
type crc32c struct{ sum uint32 }

func (c *crc32c) Write(p []byte) (int, error) { c.sum = isal.CRC32C(c.sum, p); return len(p), nil }
func (c *crc32c) Sum(b []byte) []byte         { return binary.BigEndian.AppendUint32(b, c.sum) }
func (c *crc32c) Reset()                      { c.sum = 0 }
func (c *crc32c) Size() int                   { return 4 }
func (c *crc32c) BlockSize() int              { return 1 }

type crc64x struct{ sum uint64 }

func (c *crc64x) Write(p []byte) (int, error) { c.sum = isal.CRC64(c.sum, p); return len(p), nil }
func (c *crc64x) Sum(b []byte) []byte         { return binary.BigEndian.AppendUint64(b, c.sum) }
func (c *crc64x) Reset()                      { c.sum = 0 }
func (c *crc64x) Size() int                   { return 8 }
func (c *crc64x) BlockSize() int              { return 1 }

// crc16 is CRC-16/T10-DIF (polynomial 0x8bb7, not reflected, zero
// initial value), the CRC-16 DAOS uses; the standard library has none.
type crc16 struct{ sum uint16 }

var crc16Table = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x8bb7
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

func (c *crc16) Write(p []byte) (int, error) {
	s := c.sum
	for _, b := range p {
		s = s<<8 ^ crc16Table[byte(s>>8)^b]
	}
	c.sum = s
	return len(p), nil
}

func (c *crc16) Sum(b []byte) []byte { return append(b, byte(c.sum>>8), byte(c.sum)) }
func (c *crc16) Reset()              { c.sum = 0 }
func (c *crc16) Size() int           { return 2 }
func (c *crc16) BlockSize() int      { return 1 }
