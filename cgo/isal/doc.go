// Package isal computes the CRCs and the Reed-Solomon erasure code that DAOS
// uses for end-to-end checksums and erasure-coded objects, compatibly with
// the ISA-L based C implementation of DAOS (see each section below for how).
//
// It is a compute kernel only: it knows nothing about DAOS checksum chunking,
// object layouts, stripe geometry or how values are stored (C DAOS writes a
// checksum as a native-endian integer, little-endian on its platforms).
//
// # Backends
//
// Built with the tag "isal" (and cgo enabled) the exported API calls ISA-L
// through cgo and links with -lisal; otherwise it uses a pure-Go
// implementation (hash/crc32, hash/crc64, github.com/klauspost/reedsolomon).
// [Backend] says which one was compiled in. The pure-Go code is compiled in
// both builds so that the tagged tests can cross-check C against Go.
//
// # CRC32C
//
// [CRC32C] is standard CRC-32C (Castagnoli, reflected, initial value and final
// XOR 0xFFFFFFFF) with hash/crc32.Update semantics: the argument and result
// are finished CRCs, so calls chain. ISA-L's crc32_iscsi works on the raw
// register instead (no inversion in or out), hence the C backend computes
// ^crc32_iscsi(p, ^crc).
//
// Beware that DAOS's "crc32" checksum type calls crc32_iscsi with a zero seed
// and keeps the raw register, which is not standard CRC-32C. Its value for p,
// continuing from a previous DAOS value d (0 initially), is
// ^CRC32C(^d, p).
//
// # CRC64
//
// [CRC64] is CRC-64/XZ: the ECMA-182 polynomial 0x42F0E1EBA9EA3693, reflected
// (0xC96C5795D7870F42), initial value and final XOR all ones; "123456789"
// gives 0x995DC9BBDF1939FA. This is DAOS's "crc64" type, ISA-L's
// crc64_ecma_refl. Unlike crc32_iscsi, crc64_ecma_refl inverts its seed on
// entry and its result on exit, so its seed and result are finished CRCs
// exactly like hash/crc64.Update with the ECMA table; DAOS starts from 0.
//
// # Reed-Solomon
//
// A [Coder] computes p parity cells from k data cells over GF(2^8) with the
// reducing polynomial 0x11D. The generator matrix has k+p rows: the identity
// for the data rows, then for parity row r (k <= r < k+p) and column c the
// coefficient 1/(r XOR c). That is ISA-L's gf_gen_cauchy1_matrix, which DAOS
// uses, and also what reedsolomon.WithCauchyMatrix builds, so both backends
// write byte-identical parity and either can rebuild cells the other wrote;
// the tests assert this. Any k rows of such a matrix are invertible, so any p
// lost cells, data or parity, can be rebuilt. k+p is limited to [MaxCells].
package isal
