package isal

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"hash/crc64"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// impls returns every implementation compiled into this test binary.
func impls() []impl {
	if c, ok := isalImpl(); ok {
		return []impl{c, goImpl()}
	}
	return []impl{goImpl()}
}

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func TestBackend(t *testing.T) {
	_, haveC := isalImpl()
	assert.Equal(t, haveC, Backend == "isal", "Backend = %q", Backend)
	assert.Contains(t, []string{"isal", "go"}, Backend)
}

// check is the input of the catalogued CRC "check" values.
const check = "123456789"

func TestCRC32CKnownValues(t *testing.T) {
	zeros, ones := make([]byte, 32), bytes.Repeat([]byte{0xff}, 32)
	for _, im := range append(impls(), impl{name: "exported", crc32c: CRC32C}) {
		t.Run(im.name, func(t *testing.T) {
			assert.Equal(t, uint32(0xe3069283), im.crc32c(0, []byte(check)))
			// iSCSI test vectors (RFC 3720, B.4).
			assert.Equal(t, uint32(0x8a9136aa), im.crc32c(0, zeros))
			assert.Equal(t, uint32(0x62a8ab43), im.crc32c(0, ones))
			assert.Equal(t, uint32(0), im.crc32c(0, nil))
			assert.Equal(t, uint32(0x12345678), im.crc32c(0x12345678, []byte{}))
			for i := range check {
				assert.Equal(t, uint32(0xe3069283), im.crc32c(im.crc32c(0, []byte(check[:i])), []byte(check[i:])), "split at %d", i)
			}
		})
	}
}

// The conversion documented in doc.go gives DAOS's "crc32" values, which C
// DAOS computes as crc32_iscsi(p, len, 0) (0x58e3fa20 for "123456789").
func TestCRC32CGivesDAOSCRC32(t *testing.T) {
	daos := func(d uint32, p []byte) uint32 { return ^CRC32C(^d, p) }
	assert.Equal(t, uint32(0x58e3fa20), daos(0, []byte(check)))
	assert.Equal(t, uint32(0x58e3fa20), daos(daos(0, []byte(check[:4])), []byte(check[4:])))
}

func TestCRC64KnownValues(t *testing.T) {
	for _, im := range append(impls(), impl{name: "exported", crc64: CRC64}) {
		t.Run(im.name, func(t *testing.T) {
			assert.Equal(t, uint64(0x995dc9bbdf1939fa), im.crc64(0, []byte(check)))
			assert.Equal(t, uint64(0), im.crc64(0, nil))
			assert.Equal(t, uint64(0x123456789abcdef0), im.crc64(0x123456789abcdef0, []byte{}))
			for i := range check {
				assert.Equal(t, uint64(0x995dc9bbdf1939fa), im.crc64(im.crc64(0, []byte(check[:i])), []byte(check[i:])), "split at %d", i)
			}
		})
	}
}

// Compares every implementation with the standard library directly, over all
// lengths up to a few pages, at shifting alignments, and chained at a random
// split. In the isal build this is the C-versus-Go cross-check.
func TestCRCMatchesStdlib(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	buf := randomBytes(rng, 4100+64)
	castagnoli, ecma := crc32.MakeTable(crc32.Castagnoli), crc64.MakeTable(crc64.ECMA)
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			for n := 0; n <= 4100; n++ {
				off := n % 61 // odd modulus, so every alignment pairs with many lengths
				p := buf[off : off+n]
				seed32, seed64 := rng.Uint32(), rng.Uint64()
				want32, want64 := crc32.Update(seed32, castagnoli, p), crc64.Update(seed64, ecma, p)
				require.Equal(t, want32, im.crc32c(seed32, p), "crc32c len %d offset %d", n, off)
				require.Equal(t, want64, im.crc64(seed64, p), "crc64 len %d offset %d", n, off)
				cut := rng.IntN(n + 1)
				require.Equal(t, want32, im.crc32c(im.crc32c(seed32, p[:cut]), p[cut:]), "crc32c len %d cut %d", n, cut)
				require.Equal(t, want64, im.crc64(im.crc64(seed64, p[:cut]), p[cut:]), "crc64 len %d cut %d", n, cut)
			}
			big := randomBytes(rng, 1<<20+3)
			assert.Equal(t, crc32.Update(0, castagnoli, big), im.crc32c(0, big))
			assert.Equal(t, crc64.Update(0, ecma, big), im.crc64(0, big))
		})
	}
}

// TestExportedCRCAcrossBackendSwitch: the exported functions, which pick
// an implementation by length, agree with the standard library on both
// sides of the switch, and when a CRC is chained across it.
func TestExportedCRCAcrossBackendSwitch(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	buf := randomBytes(rng, 3<<16)
	castagnoli, ecma := crc32.MakeTable(crc32.Castagnoli), crc64.MakeTable(crc64.ECMA)
	for _, n := range []int{0, 1, 4096, 64<<10 - 1, 64 << 10, 64<<10 + 1, 3 << 16} {
		p := buf[:n]
		seed32, seed64 := rng.Uint32(), rng.Uint64()
		want32, want64 := crc32.Update(seed32, castagnoli, p), crc64.Update(seed64, ecma, p)
		require.Equal(t, want32, CRC32C(seed32, p), "crc32c len %d", n)
		require.Equal(t, want64, CRC64(seed64, p), "crc64 len %d", n)
		cut := n / 3
		require.Equal(t, want32, CRC32C(CRC32C(seed32, p[:cut]), p[cut:]), "crc32c len %d cut %d", n, cut)
		require.Equal(t, want64, CRC64(CRC64(seed64, p[:cut]), p[cut:]), "crc64 len %d cut %d", n, cut)
	}
}

// stripe returns k random data cells and p parity cells encoded by c.
func stripe(t testing.TB, rng *rand.Rand, c *Coder, size int) [][]byte {
	cells := make([][]byte, c.k+c.p)
	for i := range cells {
		if i < c.k {
			cells[i] = randomBytes(rng, size)
		} else {
			cells[i] = make([]byte, size)
		}
	}
	require.NoError(t, c.Encode(cells[:c.k], cells[c.k:]))
	return cells
}

// lossPatterns returns every set of 1..maxLost indices out of n, ascending.
func lossPatterns(n, maxLost int) [][]int {
	var out [][]int
	var grow func(set []int, next int)
	grow = func(set []int, next int) {
		if len(set) > 0 {
			out = append(out, slices.Clone(set))
		}
		if len(set) == maxLost {
			return
		}
		for i := next; i < n; i++ {
			grow(append(set, i), i+1)
		}
	}
	grow(nil, 0)
	return out
}

func TestReconstructEveryLossPattern(t *testing.T) {
	layouts := []struct{ k, p int }{{2, 1}, {4, 2}, {8, 2}, {16, 2}}
	sizes := []int{1, 32, 4096, 4097}
	for _, im := range impls() {
		for _, l := range layouts {
			t.Run(fmt.Sprintf("%s/%d+%d", im.name, l.k, l.p), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(l.k), uint64(l.p)))
				c, err := newCoder(l.k, l.p, im.newCodec)
				require.NoError(t, err)
				for _, size := range sizes {
					want := stripe(t, rng, c, size)
					for n, lost := range lossPatterns(l.k+l.p, l.p) {
						cells := make([][]byte, len(want))
						for i := range want {
							cells[i] = slices.Clone(want[i])
						}
						for _, i := range lost {
							if n%2 == 0 {
								cells[i] = nil
							} else {
								cells[i] = cells[i][:0] // spare capacity to be reused
							}
						}
						require.NoError(t, c.Reconstruct(cells), "size %d lost %v", size, lost)
						for i := range want {
							require.Equal(t, want[i], cells[i], "size %d lost %v cell %d", size, lost, i)
						}
					}
				}
			})
		}
	}
}

func TestReconstructReusesCapacity(t *testing.T) {
	for _, im := range impls() {
		t.Run(im.name, func(t *testing.T) {
			c, err := newCoder(4, 2, im.newCodec)
			require.NoError(t, err)
			cells := stripe(t, rand.New(rand.NewPCG(3, 4)), c, 64)
			want := slices.Clone(cells[1])
			spare := make([]byte, 0, 100)
			cells[1] = spare
			require.NoError(t, c.Reconstruct(cells))
			assert.Equal(t, want, cells[1])
			assert.Same(t, &spare[:1][0], &cells[1][0], "lost cell's capacity not reused")

			// Nothing lost: nothing to do, nothing touched.
			before := make([][]byte, len(cells))
			for i := range cells {
				before[i] = slices.Clone(cells[i])
			}
			require.NoError(t, c.Reconstruct(cells))
			assert.Equal(t, before, cells)
		})
	}
}

// gfMul and gfInv are a deliberately naive GF(2^8) (polynomial 0x11d), here
// only to spell out the expected generator matrix independently of both
// backends.
func gfMul(a, b byte) byte {
	var r byte
	for ; b != 0; b >>= 1 {
		if b&1 != 0 {
			r ^= a
		}
		carry := a & 0x80
		a <<= 1
		if carry != 0 {
			a ^= 0x1d
		}
	}
	return r
}

func gfInv(a byte) byte {
	for x := 1; x < 256; x++ {
		if gfMul(a, byte(x)) == 1 {
			return byte(x)
		}
	}
	panic("no inverse of 0")
}

// Encoding unit vectors reads out the parity rows of the generator matrix,
// which must be ISA-L's gf_gen_cauchy1_matrix (1/(r XOR c)) in every backend.
func TestParityRowsAreCauchy(t *testing.T) {
	for _, im := range impls() {
		for _, l := range []struct{ k, p int }{{2, 1}, {4, 2}, {8, 2}, {16, 2}, {10, 6}} {
			c, err := newCoder(l.k, l.p, im.newCodec)
			require.NoError(t, err)
			for col := range l.k {
				data := make([][]byte, l.k)
				for i := range data {
					data[i] = []byte{0}
				}
				data[col][0] = 1
				parity := [][]byte{}
				for range l.p {
					parity = append(parity, []byte{0xAA})
				}
				require.NoError(t, c.Encode(data, parity))
				for r := range l.p {
					row := l.k + r
					assert.Equal(t, gfInv(byte(row^col)), parity[r][0], "%s %d+%d row %d col %d", im.name, l.k, l.p, row, col)
				}
			}
		}
	}
}

// Parity written by one backend must be what the other writes, and must
// rebuild lost cells through the other.
func TestParityIdenticalAcrossBackends(t *testing.T) {
	cImpl, ok := isalImpl()
	if !ok {
		t.Skip("built without -tags isal")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, l := range []struct{ k, p int }{{2, 1}, {4, 2}, {8, 2}, {16, 2}, {12, 4}} {
		for _, size := range []int{1, 32, 4097, 128 << 10} {
			cc, err := newCoder(l.k, l.p, cImpl.newCodec)
			require.NoError(t, err)
			gc, err := newCoder(l.k, l.p, newGoCodec)
			require.NoError(t, err)
			fromC := stripe(t, rng, cc, size)
			fromGo := slices.Clone(fromC)
			for i := l.k; i < len(fromGo); i++ {
				fromGo[i] = make([]byte, size)
			}
			require.NoError(t, gc.Encode(fromGo[:l.k], fromGo[l.k:]))
			require.Equal(t, fromC, fromGo, "%d+%d size %d", l.k, l.p, size)

			// Lose the first p data cells; rebuild C's stripe with Go and back.
			for _, pair := range []struct {
				name string
				c    *Coder
			}{{"go", gc}, {"isal", cc}} {
				cells := slices.Clone(fromC)
				for i := range l.p {
					cells[i] = nil
				}
				require.NoError(t, pair.c.Reconstruct(cells), pair.name)
				require.Equal(t, fromC, cells, "%s rebuild %d+%d size %d", pair.name, l.k, l.p, size)
			}
		}
	}
}

func TestNewCoderRejectsBadLayouts(t *testing.T) {
	for _, im := range impls() {
		for _, l := range []struct {
			k, p int
			msg  string
		}{
			{0, 1, "at least 1 data cell"},
			{-3, 2, "at least 1 data cell"},
			{4, 0, "at least 1 parity cell"},
			{250, 7, "more than 256 cells"},
			{1 << 62, 1 << 62, "more than 256 cells"},
		} {
			_, err := newCoder(l.k, l.p, im.newCodec)
			assert.ErrorContains(t, err, l.msg, "%s %d+%d", im.name, l.k, l.p)
		}
		c, err := newCoder(255, 1, im.newCodec)
		require.NoError(t, err, im.name)
		assert.Equal(t, 255, c.DataCells())
		assert.Equal(t, 1, c.ParityCells())
	}
}

func TestEncodeRejectsBadCells(t *testing.T) {
	cells := func(n, size int) [][]byte {
		out := make([][]byte, n)
		for i := range out {
			out[i] = make([]byte, size)
		}
		return out
	}
	for _, im := range impls() {
		c, err := newCoder(4, 2, im.newCodec)
		require.NoError(t, err)
		unequalData, unequalParity := cells(4, 32), cells(2, 32)
		unequalData[2] = make([]byte, 31)
		unequalParity[1] = make([]byte, 33)
		for _, tc := range []struct {
			name         string
			data, parity [][]byte
			msg          string
		}{
			{"too few data", cells(3, 32), cells(2, 32), "got 3 data cells, want 4"},
			{"too many parity", cells(4, 32), cells(3, 32), "got 3 parity cells, want 2"},
			{"empty", cells(4, 0), cells(2, 0), "data cell 0 is empty"},
			{"unequal data", unequalData, cells(2, 32), "data cell 2 is 31 bytes"},
			{"unequal parity", cells(4, 32), unequalParity, "parity cell 1 is 33 bytes"},
		} {
			assert.ErrorContains(t, c.Encode(tc.data, tc.parity), tc.msg, "%s: %s", im.name, tc.name)
		}
	}
}

func TestReconstructRejectsBadCells(t *testing.T) {
	for _, im := range impls() {
		c, err := newCoder(4, 2, im.newCodec)
		require.NoError(t, err)
		good := stripe(t, rand.New(rand.NewPCG(7, 8)), c, 32)

		err = c.Reconstruct(good[:5])
		assert.ErrorContains(t, err, "got 5 cells, want 6", im.name)

		cells := slices.Clone(good)
		cells[3] = cells[3][:31]
		assert.ErrorContains(t, c.Reconstruct(cells), "cell 3 is 31 bytes, cell 0 is 32", im.name)

		cells = slices.Clone(good)
		cells[0], cells[2], cells[5] = nil, nil, []byte{}
		err = c.Reconstruct(cells)
		assert.ErrorIs(t, err, ErrTooManyLost, im.name)
		assert.ErrorContains(t, err, "3 cells lost [0 2 5]", im.name)

		cells = make([][]byte, 6)
		assert.ErrorIs(t, c.Reconstruct(cells), ErrTooManyLost, im.name)
	}
}

// benchImpls pairs each sub-benchmark name with its implementation, or with
// nil when this build lacks it, so both builds report the same names.
func benchImpls() []struct {
	name string
	im   *impl
} {
	goIm := goImpl()
	out := []struct {
		name string
		im   *impl
	}{{"isal", nil}, {"go", &goIm}}
	if c, ok := isalImpl(); ok {
		out[0].im = &c
	}
	return out
}

func benchCRC(b *testing.B, run func(im *impl, p []byte)) {
	for _, size := range []struct {
		name string
		n    int
	}{{"4KiB", 4 << 10}, {"1MiB", 1 << 20}} {
		buf := randomBytes(rand.New(rand.NewPCG(9, 10)), size.n)
		for _, bi := range benchImpls() {
			b.Run("size="+size.name+"/impl="+bi.name, func(b *testing.B) {
				if bi.im == nil {
					b.Skip("built without -tags isal")
				}
				b.SetBytes(int64(size.n))
				for b.Loop() {
					run(bi.im, buf)
				}
			})
		}
	}
}

func BenchmarkCRC32C(b *testing.B) {
	benchCRC(b, func(im *impl, p []byte) { im.crc32c(0, p) })
}

func BenchmarkCRC64(b *testing.B) {
	benchCRC(b, func(im *impl, p []byte) { im.crc64(0, p) })
}

func BenchmarkRSEncode4p2(b *testing.B) {
	const k, p = 4, 2
	for _, size := range []struct {
		name string
		n    int
	}{{"128KiB", 128 << 10}, {"1MiB", 1 << 20}} {
		for _, bi := range benchImpls() {
			b.Run("cell="+size.name+"/impl="+bi.name, func(b *testing.B) {
				if bi.im == nil {
					b.Skip("built without -tags isal")
				}
				c, err := newCoder(k, p, bi.im.newCodec)
				require.NoError(b, err)
				cells := stripe(b, rand.New(rand.NewPCG(11, 12)), c, size.n)
				b.SetBytes(int64(k * size.n))
				for b.Loop() {
					if err := c.Encode(cells[:k], cells[k:]); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
