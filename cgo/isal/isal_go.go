//go:build !isal || !cgo

package isal

// Backend names the implementation behind the exported API: "go" here,
// "isal" when built with -tags isal and cgo.
const Backend = "go"

// isalImpl reports that this build has no ISA-L implementation.
func isalImpl() (impl, bool) { return impl{}, false }

// CRC32C returns crc updated with p, as standard CRC-32C (Castagnoli);
// CRC32C(0, p) is the CRC of p. See the package documentation.
func CRC32C(crc uint32, p []byte) uint32 { return goCRC32C(crc, p) }

// CRC64 returns crc updated with p, as CRC-64/XZ (reflected ECMA-182, DAOS's
// "crc64"); CRC64(0, p) is the CRC of p. See the package documentation.
func CRC64(crc uint64, p []byte) uint64 { return goCRC64(crc, p) }

// NewCoder returns a Coder for stripes of k data and p parity cells;
// k >= 1, p >= 1 and k+p <= MaxCells.
func NewCoder(k, p int) (*Coder, error) { return newCoder(k, p, newGoCodec) }
