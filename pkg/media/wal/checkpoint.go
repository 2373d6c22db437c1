package wal

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/daos-go/daos/cgo/isal"
)

// Checkpoint file layout (see the package documentation).
const (
	ckptMagicOff      = 0  // [8]byte ckptMagic
	ckptVersionOff    = 8  // uint32 formatVersion
	ckptReservedOff   = 12 // uint32 zero
	ckptLSNOff        = 16 // uint64 first LSN not covered
	ckptLengthOff     = 24 // uint64 payload bytes
	ckptPayloadCRCOff = 32 // uint32 CRC-32C of the payload
	ckptHeaderCRCOff  = 36 // uint32 CRC-32C of bytes 0..36
	ckptHeaderBytes   = 40
)

var ckptMagic = [8]byte{'D', 'G', 'O', '-', 'C', 'K', 'P', 'T'}

// WriteCheckpoint replaces the checkpoint at path, atomically: it writes a
// temporary file in the same directory, fsyncs it, renames it over path and
// fsyncs the directory. A crash leaves either the old or the new checkpoint
// at path (and possibly a stray temporary file, which nothing reads).
//
// next is the first LSN the payload does not reflect: recovery replays the
// records from next on, and Reset(ctx, next) may follow.
func WriteCheckpoint(path string, next LSN, payload []byte) error {
	return writeCheckpoint(path, next, payload, nil)
}

// writeCheckpoint is WriteCheckpoint with a hook that runs just before the
// rename, for tests to fail the write midway.
func writeCheckpoint(path string, next LSN, payload []byte, beforeRename func(tmp string) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, base+".tmp-*")
	if err != nil {
		return fmt.Errorf("wal: write checkpoint %s: %w", path, err)
	}
	tmp := f.Name()
	err = writeCheckpointFile(f, next, payload)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && beforeRename != nil {
		err = beforeRename(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("wal: write checkpoint %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("wal: write checkpoint %s: %w", path, err)
	}
	return nil
}

func writeCheckpointFile(f *os.File, next LSN, payload []byte) error {
	hdr := make([]byte, ckptHeaderBytes)
	copy(hdr[ckptMagicOff:], ckptMagic[:])
	le.PutUint32(hdr[ckptVersionOff:], formatVersion)
	le.PutUint64(hdr[ckptLSNOff:], uint64(next))
	le.PutUint64(hdr[ckptLengthOff:], uint64(len(payload)))
	le.PutUint32(hdr[ckptPayloadCRCOff:], isal.CRC32C(0, payload))
	le.PutUint32(hdr[ckptHeaderCRCOff:], isal.CRC32C(0, hdr[:ckptHeaderCRCOff]))
	if _, err := f.Write(hdr); err != nil {
		return err
	}
	if _, err := f.Write(payload); err != nil {
		return err
	}
	return f.Sync()
}

// ReadCheckpoint reads the checkpoint at path and returns its LSN (the first
// LSN it does not cover) and payload. A missing file gives an error wrapping
// fs.ErrNotExist; a damaged one an error wrapping ErrCorrupt that names the
// file and the offset of the damage.
func ReadCheckpoint(path string) (LSN, []byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, fmt.Errorf("wal: read checkpoint: %w", err)
	}
	defer f.Close()
	next, payload, err := readCheckpointFile(f)
	if err != nil {
		return 0, nil, fmt.Errorf("wal: read checkpoint %s: %w", path, err)
	}
	return next, payload, nil
}

func readCheckpointFile(f *os.File) (LSN, []byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, nil, err
	}
	fileBytes := fi.Size()
	hdr := make([]byte, ckptHeaderBytes)
	if _, err := io.ReadFull(f, hdr); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, nil, fmt.Errorf("truncated: %d bytes, the header at offset 0 needs %d: %w", fileBytes, ckptHeaderBytes, ErrCorrupt)
		}
		return 0, nil, err
	}
	next, payloadBytes, payloadCRC, err := parseCheckpointHeader(hdr)
	if err != nil {
		return 0, nil, err
	}
	if have := fileBytes - ckptHeaderBytes; payloadBytes != uint64(have) {
		return 0, nil, fmt.Errorf("header at offset %d says %d payload bytes, the file has %d after offset %d: %w",
			ckptLengthOff, payloadBytes, have, ckptHeaderBytes, ErrCorrupt)
	}
	payload := make([]byte, payloadBytes)
	if _, err := io.ReadFull(f, payload); err != nil {
		return 0, nil, fmt.Errorf("read payload at offset %d: %w", ckptHeaderBytes, err)
	}
	if got := isal.CRC32C(0, payload); got != payloadCRC {
		return 0, nil, fmt.Errorf("payload at offset %d (%d bytes): checksum mismatch: stored %#08x, computed %#08x: %w",
			ckptHeaderBytes, payloadBytes, payloadCRC, got, ErrCorrupt)
	}
	return next, payload, nil
}

func parseCheckpointHeader(hdr []byte) (next LSN, payloadBytes uint64, payloadCRC uint32, err error) {
	if [8]byte(hdr[ckptMagicOff:]) != ckptMagic {
		return 0, 0, 0, fmt.Errorf("bad magic %q at offset %d: %w", hdr[ckptMagicOff:ckptMagicOff+8], ckptMagicOff, ErrCorrupt)
	}
	if stored, got := le.Uint32(hdr[ckptHeaderCRCOff:]), isal.CRC32C(0, hdr[:ckptHeaderCRCOff]); stored != got {
		return 0, 0, 0, fmt.Errorf("header checksum at offset %d: stored %#08x, computed %#08x: %w",
			ckptHeaderCRCOff, stored, got, ErrCorrupt)
	}
	if v := le.Uint32(hdr[ckptVersionOff:]); v != formatVersion {
		return 0, 0, 0, fmt.Errorf("format version %d at offset %d, this code reads %d: %w", v, ckptVersionOff, formatVersion, ErrCorrupt)
	}
	if r := le.Uint32(hdr[ckptReservedOff:]); r != 0 {
		return 0, 0, 0, fmt.Errorf("reserved field at offset %d is %#x, not zero: %w", ckptReservedOff, r, ErrCorrupt)
	}
	return LSN(le.Uint64(hdr[ckptLSNOff:])), le.Uint64(hdr[ckptLengthOff:]), le.Uint32(hdr[ckptPayloadCRCOff:]), nil
}
