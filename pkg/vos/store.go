package vos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/daos-go/daos/cgo/isal"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/media/bdev"
	"github.com/daos-go/daos/pkg/media/wal"
)

// LogMode says where the journal lives.
type LogMode string

const (
	// LogPMem maps the journal as persistent memory (DAOS storage class
	// ram or dcpm; emulated PMem is a file in /dev/shm).
	LogPMem LogMode = "pmem"
	// LogFile keeps the journal in a file with group-committed fdatasync
	// (MD-on-SSD: the journal on the metadata device).
	LogFile LogMode = "file"
)

// StoreConfig places a durable pool on storage.
type StoreConfig struct {
	// Dir holds the pool header, the journal and the checkpoint: the
	// target's directory under the SCM mount.
	Dir string
	// LogMode and LogBytes choose and size the journal (Create only).
	LogMode  LogMode
	LogBytes int64
	// NVMePath is the block device file for values at or above the inline
	// threshold; empty keeps every value in SCM. Create makes it with
	// Options.NVMeBytes.
	NVMePath string
	Options
}

// File names inside StoreConfig.Dir.
const (
	headerName     = "vos-pool.json"
	journalName    = "vos.wal"
	checkpointName = "vos.ckpt"
	headerMagic    = "daos-go-vos"
	headerVersion  = 1
)

// DefaultLogBytes sizes the journal when StoreConfig.LogBytes is 0.
const DefaultLogBytes = 64 << 20

// poolHeader is the small file that says what the pool is.
type poolHeader struct {
	Magic           string  `json:"magic"`
	Version         int     `json:"version"`
	SCMBytes        uint64  `json:"scm_bytes"`
	NVMeBytes       uint64  `json:"nvme_bytes"`
	InlineThreshold uint64  `json:"inline_threshold"`
	LogMode         LogMode `json:"log_mode"`
	NVMePath        string  `json:"nvme_path,omitempty"`
	// CRC is the CRC-32C of the header encoded with CRC 0, so that a
	// damaged size or path is caught rather than believed.
	CRC uint32 `json:"crc"`
}

func (h poolHeader) crc() uint32 {
	h.CRC = 0
	data, _ := json.Marshal(h) // cannot fail: plain fields only
	return isal.CRC32C(0, data)
}

// store is the durable side of a pool: journal, checkpoint and NVMe.
type store struct {
	dir  string
	log  *wal.Log
	dev  bdev.Device
	pool *Pool
	// readOnly: opened by OpenReadOnly, which writes nothing (see there).
	readOnly bool
	// lastCkpt is the size of the last checkpoint written, to size the
	// next one's buffer (growing it by doubling copied the index over and
	// over: a fifth of a small update's CPU when checkpoints are frequent).
	lastCkpt int
}

// Create makes a new durable pool in cfg.Dir (which must not hold one).
func Create(ctx context.Context, cfg StoreConfig) (*Pool, error) {
	if cfg.LogMode != LogPMem && cfg.LogMode != LogFile {
		return nil, daos.Errorf(daos.ErrInval, "create VOS pool in %s: log mode %q (want %q or %q)", cfg.Dir, cfg.LogMode, LogPMem, LogFile)
	}
	if cfg.NVMePath != "" && cfg.NVMeBytes == 0 {
		return nil, daos.Errorf(daos.ErrInval, "create VOS pool in %s: NVMe file %s needs a size", cfg.Dir, cfg.NVMePath)
	}
	if cfg.NVMePath == "" {
		cfg.NVMeBytes = 0
	}
	if cfg.LogBytes == 0 {
		cfg.LogBytes = DefaultLogBytes
	}
	p, err := NewPool(cfg.Options)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("create VOS pool: %w", err)
	}
	hdrPath := filepath.Join(cfg.Dir, headerName)
	if _, err := os.Stat(hdrPath); err == nil {
		return nil, daos.Errorf(daos.ErrExist, "create VOS pool: %s already holds one", cfg.Dir)
	}
	st := &store{dir: cfg.Dir, pool: p}
	if err := st.create(ctx, cfg); err != nil {
		st.close()
		return nil, fmt.Errorf("create VOS pool in %s: %w", cfg.Dir, err)
	}
	// The header goes last: a directory without one holds no pool, so a
	// crash during create leaves nothing that Open would take for a pool.
	h := poolHeader{Magic: headerMagic, Version: headerVersion, SCMBytes: p.opts.SCMBytes, NVMeBytes: cfg.NVMeBytes,
		InlineThreshold: p.opts.InlineThreshold, LogMode: cfg.LogMode, NVMePath: cfg.NVMePath}
	if err := writeHeader(hdrPath, h); err != nil {
		st.close()
		return nil, fmt.Errorf("create VOS pool in %s: %w", cfg.Dir, err)
	}
	p.attach(st)
	return p, nil
}

func (st *store) create(ctx context.Context, cfg StoreConfig) error {
	logPath := filepath.Join(cfg.Dir, journalName)
	// Leftovers of a create that crashed before its header was written.
	for _, stale := range []string{logPath, filepath.Join(cfg.Dir, checkpointName)} {
		if err := os.Remove(stale); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	var err error
	if cfg.LogMode == LogPMem {
		st.log, err = wal.CreatePMem(logPath, cfg.LogBytes)
	} else {
		st.log, err = wal.CreateFile(logPath, cfg.LogBytes)
	}
	if err != nil {
		return err
	}
	if cfg.NVMePath != "" {
		// Never reuse a file that exists: it may be another pool's device.
		if _, err := os.Stat(cfg.NVMePath); err == nil {
			return daos.Errorf(daos.ErrExist, "NVMe file %s already exists (another pool's, or left by a failed create: remove it if so)", cfg.NVMePath)
		}
		// Prefaulted: BeginUpdate's views of a RAM-backed device then
		// take no page faults (see bdev.WithPrefault).
		dev, err := bdev.CreateFile(cfg.NVMePath, int64(cfg.NVMeBytes), bdev.WithPrefault())
		if err != nil {
			return err
		}
		st.dev = dev
		st.pool.nvme = newNVMeStore(dev)
		st.pool.opts.NVMeBytes = uint64(dev.Size())
	}
	return nil
}

// Open recovers a durable pool: it loads the newest checkpoint, replays
// the journal after it and rebuilds the NVMe allocator from the index.
func Open(ctx context.Context, dir string) (*Pool, error) {
	return open(ctx, dir, false)
}

func open(ctx context.Context, dir string, readOnly bool) (*Pool, error) {
	h, err := readHeader(filepath.Join(dir, headerName))
	if err != nil {
		return nil, fmt.Errorf("open VOS pool in %s: %w", dir, err)
	}
	p, err := NewPool(Options{SCMBytes: h.SCMBytes, NVMeBytes: h.NVMeBytes, InlineThreshold: h.InlineThreshold})
	if err != nil {
		return nil, fmt.Errorf("open VOS pool in %s: %w", dir, err)
	}
	st := &store{dir: dir, pool: p, readOnly: readOnly}
	if err := st.open(ctx, h); err != nil {
		st.close()
		return nil, fmt.Errorf("open VOS pool in %s: %w", dir, err)
	}
	p.attach(st)
	if readOnly {
		p.refuseWrites()
	}
	return p, nil
}

func (st *store) open(ctx context.Context, h poolHeader) error {
	logPath := filepath.Join(st.dir, journalName)
	var err error
	switch {
	case st.readOnly:
		// Same recovery, but the journal is only read: a torn batch's
		// records are not invalidated and nothing is synced.
		st.log, err = wal.OpenReadOnly(logPath)
	case h.LogMode == LogPMem:
		st.log, err = wal.OpenPMem(logPath)
	default:
		st.log, err = wal.OpenFile(logPath)
	}
	if err != nil {
		return err
	}
	if h.NVMePath != "" {
		opts := []bdev.Option{bdev.WithPrefault()}
		if st.readOnly {
			opts = append(opts, bdev.WithReadOnly())
		}
		dev, err := bdev.OpenFile(h.NVMePath, opts...)
		if err != nil {
			return err
		}
		st.dev = dev
		st.pool.nvme = newNVMeStore(dev)
	}
	if !st.readOnly {
		removeStaleTemps(st.dir)
	}
	next, err := st.loadCheckpoint()
	if err != nil {
		return err
	}
	// Records below the journal's base were dropped when a checkpoint was
	// taken; a missing or older checkpoint cannot stand in for them.
	if base := st.log.BaseLSN(); base > max(next, 1) {
		return daos.Errorf(daos.ErrDfInval, "journal starts at record %d but the checkpoint covers only records before %d: %s is missing or stale",
			base, max(next, 1), filepath.Join(st.dir, checkpointName))
	}
	if err := st.replay(next); err != nil {
		return err
	}
	if st.log.NextLSN() < next && !st.readOnly {
		// A checkpoint was written but the journal reset did not happen.
		// (Read-only, the records stay: replay skipped them already.)
		if err := st.log.Reset(ctx, next); err != nil {
			return fmt.Errorf("reset journal after checkpoint: %w", err)
		}
	}
	return st.rebuildAllocator()
}

// removeStaleTemps deletes checkpoint temporaries left by a crash before
// their rename; each may be as large as the index.
func removeStaleTemps(dir string) {
	stale, _ := filepath.Glob(filepath.Join(dir, checkpointName+".tmp-*"))
	for _, f := range stale {
		_ = os.Remove(f)
	}
}

func (st *store) loadCheckpoint() (wal.LSN, error) {
	next, payload, err := wal.ReadCheckpoint(filepath.Join(st.dir, checkpointName))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if err := st.pool.loadIndex(payload); err != nil {
		return 0, fmt.Errorf("load checkpoint: %w", err)
	}
	return next, nil
}

func (st *store) replay(next wal.LSN) error {
	return st.log.Replay(func(r wal.Record) error {
		if r.LSN < next {
			return nil // already in the checkpoint
		}
		if err := st.pool.replayOp(r.Type, r.Payload); err != nil {
			return fmt.Errorf("replay journal record %d: %w", r.LSN, err)
		}
		return nil
	})
}

// rebuildAllocator marks every extent the index references as used; an
// extent used twice means the metadata is corrupt.
func (st *store) rebuildAllocator() error {
	s, ok := st.pool.nvme.(*nvmeStore)
	if !ok {
		// Without a device nothing is to rebuild; replay and the
		// checkpoint loader refuse values that claim to be on NVMe.
		return nil
	}
	var err error
	st.pool.eachValue(func(where func() string, v value) bool {
		if v.ext == nil {
			return true
		}
		if e := s.markUsed(*v.ext); e != nil {
			err = daos.Errorf(daos.ErrDfInval, "%s: %v", where(), e)
			return false
		}
		return true
	})
	return err
}

// attach makes the pool durable through st.
func (p *Pool) attach(st *store) {
	p.store = st
	p.journal = st
}

// Append records an operation, checkpointing first when the journal is
// three quarters full (or full). The pool's lock is held.
func (st *store) Append(ctx context.Context, typ uint8, payload []byte) error {
	if st.log.Used() > st.log.Size()/4*3 {
		if err := st.checkpoint(ctx); err != nil {
			return err
		}
	}
	_, err := st.log.Append(ctx, typ, payload)
	if errors.Is(err, wal.ErrFull) {
		if err := st.checkpoint(ctx); err != nil {
			return err
		}
		_, err = st.log.Append(ctx, typ, payload)
	}
	return err
}

// Stage is Append without waiting for durability (see stagingJournal).
// The pool's lock is held.
func (st *store) Stage(ctx context.Context, typ uint8, payload []byte) (uint64, error) {
	if st.log.Used() > st.log.Size()/4*3 {
		if err := st.checkpoint(ctx); err != nil {
			return 0, err
		}
	}
	lsn, err := st.log.Stage(ctx, typ, payload)
	if errors.Is(err, wal.ErrFull) {
		if err := st.checkpoint(ctx); err != nil {
			return 0, err
		}
		lsn, err = st.log.Stage(ctx, typ, payload)
	}
	return uint64(lsn), err
}

// WaitDurable waits for a record Stage wrote; a checkpoint taken since
// covers it too.
func (st *store) WaitDurable(ctx context.Context, lsn uint64) error {
	return st.log.WaitDurable(ctx, wal.LSN(lsn))
}

// checkpoint writes the whole index and empties the journal. The pool's
// lock is held, so no record is appended meanwhile.
func (st *store) checkpoint(ctx context.Context) error {
	if st.readOnly {
		return errReadOnly(st.dir)
	}
	next := st.log.NextLSN()
	// The index grew by about what the journal holds since the last one.
	hint := st.lastCkpt + int(min(st.log.Used(), 1<<30)) + 4096
	idx := st.pool.appendIndex(make([]byte, 0, hint))
	if err := wal.WriteCheckpoint(filepath.Join(st.dir, checkpointName), next, idx); err != nil {
		return fmt.Errorf("write checkpoint: %w", err)
	}
	st.lastCkpt = len(idx)
	if err := st.log.Reset(ctx, next); err != nil {
		return fmt.Errorf("reset journal after checkpoint: %w", err)
	}
	return nil
}

func (st *store) close() error {
	var errs []error
	if st.log != nil {
		errs = append(errs, st.log.Close())
	}
	if st.dev != nil {
		errs = append(errs, st.dev.Close())
	}
	return errors.Join(errs...)
}

// Checkpoint writes the index to the checkpoint file and empties the
// journal, so that the next open replays nothing. A pool without storage
// has nothing to do.
func (p *Pool) Checkpoint(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.store == nil {
		return nil
	}
	return p.store.checkpoint(ctx)
}

// Dir is the directory holding the pool's journal and checkpoint; empty
// for a pool in DRAM only.
func (p *Pool) Dir() string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.store == nil {
		return ""
	}
	return p.store.dir
}

// Close releases the pool's storage. Everything acknowledged is already
// durable; Close does not checkpoint.
func (p *Pool) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.store == nil {
		return nil
	}
	if p.nvme != nil {
		// Mapped fetches may still push extents: the device (and their
		// space, should the pool be opened again) waits for them.
		p.nvme.drain()
	}
	err := p.store.close()
	p.store, p.journal, p.nvme = nil, nil, nil
	p.conts = map[ContainerID]*container{}
	p.lastCont.Store(nil)
	p.failed, p.closed = daos.Errorf(daos.ErrNoHdl, "VOS pool is closed"), true
	if err != nil {
		return fmt.Errorf("close VOS pool: %w", err)
	}
	return nil
}

// eachValue visits every stored version's value; where names it, and is
// only worth calling when something is wrong (it formats).
func (p *Pool) eachValue(f func(where func() string, v value) bool) {
	for _, c := range p.conts {
		stop := false
		c.objs.Ascend(func(o *object) bool {
			o.dkeys.Ascend(func(d *dkey) bool {
				d.akeys.Ascend(func(a *akey) bool {
					for i := range a.svs {
						where := func() string { return fmt.Sprintf("%s/%s/%q/%q@%d", c.id, o.oid, d.name, a.name, a.svs[i].epoch) }
						if !f(where, a.svs[i].val) {
							stop = true
							return false
						}
					}
					for i := range a.extents() {
						where := func() string {
							return fmt.Sprintf("%s/%s/%q/%q%s@%d", c.id, o.oid, d.name, a.name, a.extents()[i].recx, a.extents()[i].epoch)
						}
						if !f(where, a.extents()[i].val) {
							stop = true
							return false
						}
					}
					return true
				})
				return !stop
			})
			return !stop
		})
		if stop {
			return
		}
	}
}

func writeHeader(path string, h poolHeader) error {
	h.CRC = h.crc()
	data, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func readHeader(path string) (poolHeader, error) {
	var h poolHeader
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return h, daos.Errorf(daos.ErrNonexist, "no VOS pool: %s is missing", path)
	}
	if err != nil {
		return h, err
	}
	if err := json.Unmarshal(data, &h); err != nil || h.Magic != headerMagic {
		return h, daos.Errorf(daos.ErrDfInval, "%s is not a VOS pool header", path)
	}
	if got := h.crc(); got != h.CRC {
		return h, daos.Errorf(daos.ErrDfInval, "%s is damaged: CRC-32C %08x, stored %08x", path, got, h.CRC)
	}
	if h.Version != headerVersion {
		return h, daos.Errorf(daos.ErrDfIncompt, "%s: pool format version %d, this build reads %d", path, h.Version, headerVersion)
	}
	if h.SCMBytes == 0 || (h.LogMode != LogPMem && h.LogMode != LogFile) {
		return h, daos.Errorf(daos.ErrDfInval, "%s: SCM size %d or log mode %q is invalid", path, h.SCMBytes, h.LogMode)
	}
	return h, nil
}
