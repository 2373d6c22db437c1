// Package target is an engine's storage targets: each target owns a slice
// of the engine's SCM and NVMe, one VOS pool per DAOS pool that has a
// shard on it, and an executor that runs the target's operations.
//
// Layout on storage, per target index i and pool UUID p:
//
//	<scm_mount>/pools/<p>/<i>/          the VOS pool (header, journal, checkpoint)
//	<nvme_dir>/<p>/<i>.nvme             its NVMe data (when the engine has NVMe)
//
// nvme_dir is a directory beside the engine's first bdev file
// (<bdev>.pools). DAOS carves per-target blobs out of the device with
// SPDK's blobstore; until the bdev file is carved the same way, each
// shard's NVMe space is a file of its own, charged against the bdev's
// configured size.
package target

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/vos"
)

// UUID is a pool's id.
type UUID [16]byte

func (u UUID) String() string {
	h := hex.EncodeToString(u[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// ParseUUID reads the canonical text form.
func ParseUUID(s string) (UUID, error) {
	var u UUID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, daos.Errorf(daos.ErrInval, "%q is not a UUID", s)
	}
	b, err := hex.DecodeString(s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:])
	if err != nil {
		return u, daos.Errorf(daos.ErrInval, "%q is not a UUID", s)
	}
	copy(u[:], b)
	return u, nil
}

// Config places a target.
type Config struct {
	Index int
	// SCMDir is the engine's SCM mount.
	SCMDir string
	// NVMeDir holds the shards' NVMe files; empty: no NVMe.
	NVMeDir string
	// LogMode of new shards' journals (pmem on ram/dcpm SCM).
	LogMode     vos.LogMode
	Concurrency int
}

// Target is one of an engine's targets.
type Target struct {
	cfg  Config
	Exec *Executor

	mu     sync.Mutex
	shards map[UUID]*shard
}

type shard struct {
	pool  *vos.Pool
	conts sync.Map // vos.ContainerID -> struct{}: known to exist
}

// New makes a target; Open loads its existing shards.
func New(cfg Config) *Target {
	return &Target{cfg: cfg, Exec: NewExecutor(cfg.Concurrency), shards: map[UUID]*shard{}}
}

// Index is the target's index in its engine.
func (t *Target) Index() int { return t.cfg.Index }

func (t *Target) shardDir(p UUID) string {
	return filepath.Join(t.cfg.SCMDir, "pools", p.String(), strconv.Itoa(t.cfg.Index))
}

func (t *Target) nvmePath(p UUID) string {
	if t.cfg.NVMeDir == "" {
		return ""
	}
	return filepath.Join(t.cfg.NVMeDir, p.String(), strconv.Itoa(t.cfg.Index)+".nvme")
}

// NVMeFile is where the target keeps pool p's NVMe data (its stand-in
// for a blobstore blob), or "" when the shard has no NVMe space here.
func (t *Target) NVMeFile(p UUID) string {
	vp, err := t.Shard(p)
	if err != nil || vp.Space().NVMeTotal == 0 {
		return ""
	}
	return t.nvmePath(p)
}

// Open opens every shard this target has on storage (after a restart).
func (t *Target) Open(ctx context.Context) error {
	pools, err := os.ReadDir(filepath.Join(t.cfg.SCMDir, "pools"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("target %d: list pools: %w", t.cfg.Index, err)
	}
	for _, e := range pools {
		p, err := ParseUUID(e.Name())
		if err != nil {
			continue // not a pool directory
		}
		dir := t.shardDir(p)
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		vp, err := vos.Open(ctx, dir)
		if err != nil {
			return fmt.Errorf("target %d: open shard of pool %s: %w", t.cfg.Index, p, err)
		}
		t.mu.Lock()
		t.shards[p] = &shard{pool: vp}
		t.mu.Unlock()
	}
	return nil
}

// CreateShard makes the target's shard of pool p with the given space.
// Creating a shard that exists with the same sizes is not an error (pool
// create is retried after failures).
func (t *Target) CreateShard(ctx context.Context, p UUID, scmBytes, nvmeBytes uint64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s, ok := t.shards[p]; ok {
		sp := s.pool.Space()
		if sp.SCMTotal == scmBytes && (t.cfg.NVMeDir == "" || sp.NVMeTotal == nvmeBytes) {
			return nil
		}
		return daos.Errorf(daos.ErrExist, "target %d: pool %s has a shard of other sizes", t.cfg.Index, p)
	}
	nvme := t.nvmePath(p)
	if nvme != "" {
		if nvmeBytes == 0 {
			nvme = ""
		} else if err := os.MkdirAll(filepath.Dir(nvme), 0o700); err != nil {
			return fmt.Errorf("target %d: create shard of pool %s: %w", t.cfg.Index, p, err)
		}
	}
	logBytes := int64(vos.DefaultLogBytes)
	if q := int64(scmBytes / 4); q < logBytes {
		logBytes = max(q, 1<<20)
	}
	vp, err := vos.Create(ctx, vos.StoreConfig{Dir: t.shardDir(p), LogMode: t.cfg.LogMode, LogBytes: logBytes,
		NVMePath: nvme, Options: vos.Options{SCMBytes: scmBytes, NVMeBytes: nvmeBytes}})
	if err != nil {
		return fmt.Errorf("target %d: create shard of pool %s: %w", t.cfg.Index, p, err)
	}
	t.shards[p] = &shard{pool: vp}
	return nil
}

// DestroyShard closes and removes the target's shard of pool p. A shard
// that does not exist is not an error (destroy is retried after failures).
func (t *Target) DestroyShard(_ context.Context, p UUID) error {
	t.mu.Lock()
	s, ok := t.shards[p]
	delete(t.shards, p)
	t.mu.Unlock()
	if ok {
		if err := s.pool.Close(); err != nil {
			return fmt.Errorf("target %d: close shard of pool %s: %w", t.cfg.Index, p, err)
		}
	}
	for _, path := range []string{t.shardDir(p), t.nvmePath(p)} {
		if path == "" {
			continue
		}
		if err := os.RemoveAll(path); err != nil {
			return fmt.Errorf("target %d: remove shard of pool %s: %w", t.cfg.Index, p, err)
		}
	}
	if nv := t.nvmePath(p); nv != "" {
		_ = os.Remove(filepath.Dir(nv)) // the pool's NVMe directory, once empty
	}
	return nil
}

// Shard is the target's VOS pool for DAOS pool p.
func (t *Target) Shard(p UUID) (*vos.Pool, error) {
	s, err := t.shard(p)
	if err != nil {
		return nil, err
	}
	return s.pool, nil
}

func (t *Target) shard(p UUID) (*shard, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.shards[p]
	if !ok {
		return nil, daos.Errorf(daos.ErrNonexist, "target %d has no shard of pool %s", t.cfg.Index, p)
	}
	return s, nil
}

// Container makes sure container c exists in the shard of pool p (DAOS
// creates a target's container when the container is first used there)
// and returns the shard.
func (t *Target) Container(ctx context.Context, p UUID, c vos.ContainerID) (*vos.Pool, error) {
	s, err := t.shard(p)
	if err != nil {
		return nil, err
	}
	if _, ok := s.conts.Load(c); ok {
		return s.pool, nil
	}
	for _, have := range s.pool.Containers() {
		if have == c {
			s.conts.Store(c, struct{}{})
			return s.pool, nil
		}
	}
	if err := s.pool.CreateContainer(ctx, c); err != nil && !errors.Is(err, daos.ErrExist) {
		return nil, fmt.Errorf("target %d: container %s of pool %s: %w", t.cfg.Index, c, p, err)
	}
	s.conts.Store(c, struct{}{})
	return s.pool, nil
}

// HasContainer tells whether container c exists in the shard of pool p,
// without creating it (reads of a container never written here see
// nothing).
func (t *Target) HasContainer(p UUID, c vos.ContainerID) (*vos.Pool, bool, error) {
	s, err := t.shard(p)
	if err != nil {
		return nil, false, err
	}
	if _, ok := s.conts.Load(c); ok {
		return s.pool, true, nil
	}
	for _, have := range s.pool.Containers() {
		if have == c {
			s.conts.Store(c, struct{}{})
			return s.pool, true, nil
		}
	}
	return s.pool, false, nil
}

// Allocated is the SCM and NVMe promised to the shards here: what their
// pools were created with, used or not.
func (t *Target) Allocated() (scm, nvme uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range t.shards {
		sp := s.pool.Space()
		scm += sp.SCMTotal
		nvme += sp.NVMeTotal
	}
	return scm, nvme
}

// Pools lists the pools with a shard here.
func (t *Target) Pools() []UUID {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]UUID, 0, len(t.shards))
	for p := range t.shards {
		out = append(out, p)
	}
	return out
}

// Close closes every shard.
func (t *Target) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	var errs []error
	for p, s := range t.shards {
		if err := s.pool.Close(); err != nil {
			errs = append(errs, fmt.Errorf("target %d: close shard of pool %s: %w", t.cfg.Index, p, err))
		}
	}
	t.shards = map[UUID]*shard{}
	return errors.Join(errs...)
}
