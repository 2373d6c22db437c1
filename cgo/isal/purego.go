package isal

import (
	"fmt"
	"hash/crc32"
	"hash/crc64"
	"slices"

	"github.com/klauspost/reedsolomon"
)

// The pure-Go implementation. It is compiled in every build: it is the
// default backend, and the reference the ISA-L backend is tested against.

func goImpl() impl {
	return impl{name: "go", crc32c: goCRC32C, crc64: goCRC64, newCodec: newGoCodec}
}

// MakeTable returns the standard library's shared, lazily built table for
// these two polynomials, so calling it each time costs nothing and keeps the
// package free of globals. The Castagnoli table also selects the SSE4.2 or
// ARMv8 CRC instructions.
func goCRC32C(crc uint32, p []byte) uint32 {
	return crc32.Update(crc, crc32.MakeTable(crc32.Castagnoli), p)
}

func goCRC64(crc uint64, p []byte) uint64 {
	return crc64.Update(crc, crc64.MakeTable(crc64.ECMA), p)
}

type goCodec struct{ enc reedsolomon.Encoder }

func newGoCodec(k, p int) (codec, error) {
	enc, err := reedsolomon.New(k, p, reedsolomon.WithCauchyMatrix())
	if err != nil {
		return nil, fmt.Errorf("reedsolomon.New: %w", err)
	}
	return goCodec{enc}, nil
}

func (g goCodec) encode(data, parity [][]byte) error {
	if err := g.enc.Encode(slices.Concat(data, parity)); err != nil {
		return fmt.Errorf("reedsolomon Encode: %w", err)
	}
	return nil
}

// reedsolomon treats the zero-length cells as missing and fills them in,
// reusing the capacity Coder.Reconstruct gave them.
func (g goCodec) reconstruct(cells [][]byte, _ []int) error {
	if err := g.enc.Reconstruct(cells); err != nil {
		return fmt.Errorf("reedsolomon Reconstruct: %w", err)
	}
	return nil
}
