//go:build isal && cgo

package isal

/*
#cgo pkg-config: libisal
#include <string.h>
#include <isa-l/crc.h>
#include <isa-l/crc64.h>
#include <isa-l/erasure_code.h>

// Fills rows (nlost x k) with the coefficients that rebuild each lost cell
// from the k surviving cells listed in survivors. gen is the (k+p) x k
// generator matrix; sub and inv are k x k scratch space. If D inverts the
// survivors' generator rows, a lost data cell's row is its row of D and a lost
// parity cell's row is its generator row times D. Returns gf_invert_matrix's
// status, non-zero if the survivors' rows are singular.
static int decode_rows(int k, const unsigned char *gen, const int *survivors,
		       const int *lost, int nlost, unsigned char *sub,
		       unsigned char *inv, unsigned char *rows)
{
	for (int r = 0; r < k; r++)
		memcpy(sub + r * k, gen + survivors[r] * k, k);
	int rc = gf_invert_matrix(sub, inv, k);
	if (rc != 0)
		return rc;
	for (int e = 0; e < nlost; e++) {
		unsigned char *out = rows + e * k;
		const unsigned char *g = gen + lost[e] * k;
		if (lost[e] < k) {
			memcpy(out, inv + lost[e] * k, k);
			continue;
		}
		for (int c = 0; c < k; c++) {
			unsigned char sum = 0;
			for (int i = 0; i < k; i++)
				sum ^= gf_mul(g[i], inv[i * k + c]);
			out[c] = sum;
		}
	}
	return 0;
}
*/
import "C"

import (
	"fmt"
	"runtime"
	"slices"
)

// Backend names the implementation behind the exported API: "isal" here,
// "go" in builds without the isal tag or without cgo.
const Backend = "isal"

// maxCallLen bounds the bytes handed to one ISA-L call, whose lengths are C
// ints; longer buffers are processed in pieces of this size.
const maxCallLen = 1 << 30

func isalImpl() (impl, bool) {
	return impl{name: "isal", crc32c: cCRC32C, crc64: cCRC64, newCodec: newCCodec}, true
}

// CRC32C returns crc updated with p, as standard CRC-32C (Castagnoli);
// CRC32C(0, p) is the CRC of p. See the package documentation.
func CRC32C(crc uint32, p []byte) uint32 {
	if len(p) < minCgoLen {
		return goCRC32C(crc, p)
	}
	return cCRC32C(crc, p)
}

// minCgoLen is the length below which the checksums are computed in Go: a
// cgo call goes through the runtime's system-call bookkeeping, which in a
// process that is often idle (an engine) can wake the runtime's monitor
// thread each time, and below this size that costs more than ISA-L saves
// (ISA-L is under twice as fast as Go here; a 4 KiB value's CRC is 0.1 us).
const minCgoLen = 64 << 10

// minCgoLen64 is minCgoLen for CRC-64, which Go computes ten times slower
// than ISA-L (1.3 against 12 GB/s at 4 KiB): from 4 KiB the call pays.
const minCgoLen64 = 4 << 10

// CRC64 returns crc updated with p, as CRC-64/XZ (reflected ECMA-182, DAOS's
// "crc64"); CRC64(0, p) is the CRC of p. See the package documentation.
func CRC64(crc uint64, p []byte) uint64 {
	if len(p) < minCgoLen64 {
		return goCRC64(crc, p)
	}
	return cCRC64(crc, p)
}

// NewCoder returns a Coder for stripes of k data and p parity cells;
// k >= 1, p >= 1 and k+p <= MaxCells.
func NewCoder(k, p int) (*Coder, error) { return newCoder(k, p, newCCodec) }

// crc32_iscsi neither inverts its seed nor its result, so both are done here
// to get hash/crc32 semantics; the raw register chains across pieces.
func cCRC32C(crc uint32, p []byte) uint32 {
	reg := ^crc
	for len(p) > 0 {
		n := min(len(p), maxCallLen)
		reg = uint32(C.crc32_iscsi((*C.uchar)(&p[0]), C.int(n), C.uint(reg)))
		p = p[n:]
	}
	return ^reg
}

// crc64_ecma_refl inverts on entry and exit itself, matching hash/crc64.
func cCRC64(crc uint64, p []byte) uint64 {
	if len(p) == 0 {
		return crc
	}
	return uint64(C.crc64_ecma_refl(C.uint64_t(crc), (*C.uchar)(&p[0]), C.uint64_t(len(p))))
}

type cCodec struct {
	k, p   int
	gen    []byte // (k+p) x k generator matrix, row-major
	tables []byte // ec_init_tables expansion of the p parity rows
}

func newCCodec(k, p int) (codec, error) {
	c := &cCodec{k: k, p: p, gen: make([]byte, (k+p)*k), tables: make([]byte, 32*k*p)}
	C.gf_gen_cauchy1_matrix((*C.uchar)(&c.gen[0]), C.int(k+p), C.int(k))
	C.ec_init_tables(C.int(k), C.int(p), (*C.uchar)(&c.gen[k*k]), (*C.uchar)(&c.tables[0]))
	return c, nil
}

func (c *cCodec) encode(data, parity [][]byte) error {
	ecEncode(c.tables, data, parity)
	return nil
}

func (c *cCodec) reconstruct(cells [][]byte, lost []int) error {
	// Any k survivors will do; the first k are as good as any.
	var survivors []C.int
	src := make([][]byte, 0, c.k)
	for i, cell := range cells {
		if len(cell) > 0 && len(src) < c.k {
			survivors = append(survivors, C.int(i))
			src = append(src, cell)
		}
	}
	lostC := make([]C.int, len(lost))
	for j, i := range lost {
		lostC[j] = C.int(i)
	}
	rows := make([]byte, len(lost)*c.k)
	sub, inv := make([]byte, c.k*c.k), make([]byte, c.k*c.k)
	rc := C.decode_rows(C.int(c.k), (*C.uchar)(&c.gen[0]), &survivors[0], &lostC[0], C.int(len(lost)),
		(*C.uchar)(&sub[0]), (*C.uchar)(&inv[0]), (*C.uchar)(&rows[0]))
	if rc != 0 {
		return fmt.Errorf("gf_invert_matrix of survivor rows %v: singular (status %d)", survivors, rc)
	}

	tables := make([]byte, 32*c.k*len(lost))
	C.ec_init_tables(C.int(c.k), C.int(len(lost)), (*C.uchar)(&rows[0]), (*C.uchar)(&tables[0]))
	dst := make([][]byte, len(lost))
	for j, i := range lost {
		cells[i] = cells[i][:len(src[0])]
		dst[j] = cells[i]
	}
	ecEncode(tables, src, dst)
	return nil
}

// ecEncode runs ec_encode_data to compute dst from src, all cells of one
// non-zero length, with tables from ec_init_tables(len(src), len(dst), ...).
//
// ISA-L takes arrays of buffer pointers. Those arrays are Go memory holding Go
// pointers, which cgo allows only if every buffer they point to is pinned;
// the pins last for the calls only, and ISA-L keeps no pointer afterwards.
func ecEncode(tables []byte, src, dst [][]byte) {
	cells := slices.Concat(src, dst)
	var pinner runtime.Pinner
	defer pinner.Unpin()
	for _, cell := range cells {
		pinner.Pin(&cell[0])
	}
	ptrs := make([]*C.uchar, len(cells))
	size := len(cells[0])
	for off := 0; off < size; off += maxCallLen {
		for i, cell := range cells {
			ptrs[i] = (*C.uchar)(&cell[off])
		}
		C.ec_encode_data(C.int(min(size-off, maxCallLen)), C.int(len(src)), C.int(len(dst)),
			(*C.uchar)(&tables[0]), &ptrs[0], &ptrs[len(src)])
	}
}
