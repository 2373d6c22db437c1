package isal

import (
	"errors"
	"fmt"
)

// MaxCells is the most cells (k+p) a stripe may have: the Cauchy coefficients
// 1/(r XOR c) need every row index to fit in one GF(2^8) element.
const MaxCells = 256

// ErrTooManyLost is returned (wrapped) by [Coder.Reconstruct] when more cells
// are missing than there are parity cells, i.e. the stripe is unrecoverable.
var ErrTooManyLost = errors.New("more cells lost than parity can rebuild")

// Coder computes and repairs Reed-Solomon parity for stripes of k data cells
// and p parity cells. It holds only read-only state after construction, so it
// may be used from several goroutines at once.
type Coder struct {
	k, p  int
	codec codec
}

// codec is one backend's erasure code. Coder validates every argument first,
// so a codec may assume k, p, cell counts and cell lengths are consistent.
type codec interface {
	// encode overwrites parity with the parity of data.
	encode(data, parity [][]byte) error
	// reconstruct rebuilds cells[i] for each i in lost; those cells are
	// zero-length with capacity for a full cell, and at least k cells survive.
	reconstruct(cells [][]byte, lost []int) error
}

// impl bundles one implementation's entry points so tests and benchmarks can
// drive the C and the Go code side by side in one binary.
type impl struct {
	name     string
	crc32c   func(crc uint32, p []byte) uint32
	crc64    func(crc uint64, p []byte) uint64
	newCodec func(k, p int) (codec, error)
}

func newCoder(k, p int, newCodec func(k, p int) (codec, error)) (*Coder, error) {
	switch {
	case k < 1:
		return nil, fmt.Errorf("isal: new %d+%d coder: need at least 1 data cell", k, p)
	case p < 1:
		return nil, fmt.Errorf("isal: new %d+%d coder: need at least 1 parity cell", k, p)
	case k > MaxCells-p: // k+p could overflow
		return nil, fmt.Errorf("isal: new %d+%d coder: more than %d cells", k, p, MaxCells)
	}
	c, err := newCodec(k, p)
	if err != nil {
		return nil, fmt.Errorf("isal: new %d+%d coder: %w", k, p, err)
	}
	return &Coder{k: k, p: p, codec: c}, nil
}

// DataCells returns k, the number of data cells in a stripe.
func (c *Coder) DataCells() int { return c.k }

// ParityCells returns p, the number of parity cells in a stripe.
func (c *Coder) ParityCells() int { return c.p }

// Encode computes the p parity cells of the k data cells into parity. All
// cells must have the same non-zero length; parity is overwritten.
func (c *Coder) Encode(data, parity [][]byte) error {
	if err := c.checkEncode(data, parity); err != nil {
		return fmt.Errorf("isal: %d+%d encode: %w", c.k, c.p, err)
	}
	if err := c.codec.encode(data, parity); err != nil {
		return fmt.Errorf("isal: %d+%d encode: %w", c.k, c.p, err)
	}
	return nil
}

func (c *Coder) checkEncode(data, parity [][]byte) error {
	if len(data) != c.k {
		return fmt.Errorf("got %d data cells, want %d", len(data), c.k)
	}
	if len(parity) != c.p {
		return fmt.Errorf("got %d parity cells, want %d", len(parity), c.p)
	}
	size := len(data[0])
	if size == 0 {
		return errors.New("data cell 0 is empty")
	}
	for i, cell := range data {
		if len(cell) != size {
			return fmt.Errorf("data cell %d is %d bytes, data cell 0 is %d", i, len(cell), size)
		}
	}
	for i, cell := range parity {
		if len(cell) != size {
			return fmt.Errorf("parity cell %d is %d bytes, data cells are %d", i, len(cell), size)
		}
	}
	return nil
}

// Reconstruct rebuilds the missing cells of a stripe in place. cells holds the
// k data cells followed by the p parity cells; a missing cell is nil or
// zero-length, and the surviving cells must all have the same length. Each
// missing cell is replaced by a full-length one, reusing its capacity if it
// has enough (so it must not share memory with another cell) and allocating
// otherwise. Survivors are only read. Reconstruct fails, wrapping
// [ErrTooManyLost], if more than p cells are missing.
func (c *Coder) Reconstruct(cells [][]byte) error {
	lost, err := c.checkReconstruct(cells)
	if err != nil {
		return fmt.Errorf("isal: %d+%d reconstruct: %w", c.k, c.p, err)
	}
	if len(lost) == 0 {
		return nil
	}
	size := 0
	for _, cell := range cells {
		size = max(size, len(cell))
	}
	for _, i := range lost {
		if cap(cells[i]) >= size {
			cells[i] = cells[i][:0]
		} else {
			cells[i] = make([]byte, 0, size)
		}
	}
	if err := c.codec.reconstruct(cells, lost); err != nil {
		return fmt.Errorf("isal: %d+%d reconstruct cells %v: %w", c.k, c.p, lost, err)
	}
	return nil
}

// checkReconstruct validates cells and returns the indices of missing ones.
func (c *Coder) checkReconstruct(cells [][]byte) ([]int, error) {
	if len(cells) != c.k+c.p {
		return nil, fmt.Errorf("got %d cells, want %d", len(cells), c.k+c.p)
	}
	var lost []int
	first := -1 // first surviving cell, whose length the others must match
	for i, cell := range cells {
		switch {
		case len(cell) == 0:
			lost = append(lost, i)
		case first < 0:
			first = i
		case len(cell) != len(cells[first]):
			return nil, fmt.Errorf("cell %d is %d bytes, cell %d is %d",
				i, len(cell), first, len(cells[first]))
		}
	}
	if len(lost) > c.p {
		return nil, fmt.Errorf("%d cells lost %v, %d parity cells: %w", len(lost), lost, c.p, ErrTooManyLost)
	}
	return lost, nil
}
