package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/storage"
)

const gib = uint64(1) << 30

// TierUsage is the measured space of one storage tier of one engine.
type TierUsage struct {
	Tier    int
	Class   string
	Roles   []string
	Devices []string
	Total   uint64
	Free    uint64
	// FreeKnown is false when free space could not be worked out; Note
	// says why.
	FreeKnown bool
	Note      string
	Err       string
}

// EngineUsage is the space of one engine's tiers. Tiers are only
// measured for formatted engines: before format the files and mounts
// they describe may not exist.
type EngineUsage struct {
	Index     int
	Formatted bool
	UUID      string
	Rank      uint32
	HasRank   bool
	SCM       *TierUsage
	NVMe      []TierUsage
	MDOnSSD   bool
	// Pools is how many pool directories the engine's SCM holds, when
	// PoolsKnown.
	Pools      int
	PoolsKnown bool
	Note       string
	Err        string
}

// StorageUsage measures the tiers of every engine from what is on this
// host: the superblock, the SCM mount and the bdevs.
func (s *Server) StorageUsage(_ context.Context) []EngineUsage {
	m := s.format.Mounter
	if m == nil {
		m = storage.SystemMounter{}
	}
	out := make([]EngineUsage, 0, len(s.instances))
	for _, in := range s.instances {
		info := in.info()
		u := EngineUsage{Index: in.idx, Rank: info.Rank, HasRank: info.HasRank}
		sb, err := s.format.Superblock(in.storage)
		switch {
		case err != nil:
			u.Err = err.Error()
		case sb == nil:
			u.Note = "not formatted (dmg storage format prepares it)"
		default:
			u.Formatted, u.UUID = true, sb.UUID
			MeasureEngine(&u, in.storage, m, s.opts.RAMDiskBytes)
		}
		out = append(out, u)
	}
	return out
}

// MeasureEngine fills u with the tiers of a formatted engine. autoRAM is
// the RAM-disk size used when scm_size is 0 (auto).
func MeasureEngine(u *EngineUsage, e storage.Engine, m storage.Mounter, autoRAM uint64) {
	pools := -1
	for i, t := range e.Config.Storage {
		if t == nil {
			continue
		}
		if t.IsSCM() {
			tu := measureSCM(t, m, autoRAM)
			tu.Tier = i
			u.SCM = &tu
			if n, err := countPools(t.ScmMount); err == nil {
				pools = n
			}
			continue
		}
		tu := measureBdevs(t)
		tu.Tier = i
		u.MDOnSSD = u.MDOnSSD || len(t.BdevRoles) > 0
		u.NVMe = append(u.NVMe, tu)
	}
	if pools < 0 {
		return
	}
	u.Pools, u.PoolsKnown = pools, true
	// daos_server does not yet learn from the engines how much of each
	// bdev a pool holds, so NVMe free space is only known while there
	// are no pools at all.
	for i := range u.NVMe {
		tu := &u.NVMe[i]
		if tu.Err != "" {
			continue
		}
		if pools == 0 {
			tu.Free, tu.FreeKnown = tu.Total, true
		} else {
			tu.Note = join(tu.Note, fmt.Sprintf("%d pools hold space here; their NVMe allocation is not reported yet", pools))
		}
	}
	if pools == 0 && len(u.NVMe) > 0 {
		u.Note = join(u.Note, "no pools, so all NVMe space is free")
	} else if pools == 0 {
		u.Note = join(u.Note, "no pools")
	}
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// measureSCM reads the SCM tier's space. A mounted tmpfs or PMem file
// system answers statfs; class ram used as a plain directory (no root to
// mount tmpfs) has the configured size as its capacity, since statfs
// would describe whatever file system holds the directory.
func measureSCM(t *config.Tier, m storage.Mounter, autoRAM uint64) TierUsage {
	tu := TierUsage{Class: t.Class, Devices: []string{t.ScmMount}}
	mounted, err := m.IsMounted(t.ScmMount)
	if err != nil {
		tu.Err = err.Error()
		return tu
	}
	total, free, err := statfs(t.ScmMount)
	if err != nil {
		tu.Err = err.Error()
		return tu
	}
	if mounted || t.Class != config.ClassRAM {
		tu.Total, tu.Free, tu.FreeKnown = total, free, true
		return tu
	}
	size := uint64(t.ScmSize) * gib
	what := "the configured scm_size"
	if size == 0 {
		size, what = autoRAM, "the automatic RAM-disk size"
	}
	if size == 0 {
		tu.Total, tu.Free, tu.FreeKnown = total, free, true
		tu.Note = "class ram used as a plain directory with scm_size auto: these are the numbers of the file system holding it"
		return tu
	}
	used, err := diskUsage(t.ScmMount)
	if err != nil {
		tu.Err = err.Error()
		return tu
	}
	tu.Total, tu.FreeKnown = size, true
	if used < size {
		tu.Free = size - used
	}
	// The directory cannot grow past what its file system has left.
	tu.Free = min(tu.Free, free)
	tu.Note = "class ram used as a plain directory (no tmpfs mounted): capacity is " + what +
		", used is the size of the files in it"
	return tu
}

// measureBdevs sums the sizes of a bdev tier's devices. Free space is
// left to the caller, which knows about pools.
func measureBdevs(t *config.Tier) TierUsage {
	tu := TierUsage{Class: t.Class, Roles: t.BdevRoles, Devices: t.BdevList}
	if t.Class == config.ClassNVMe {
		tu.Err = "class nvme needs SPDK, which daos-go does not support yet: not measured"
		return tu
	}
	var errs []error
	for _, path := range t.BdevList {
		n, err := deviceSize(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		tu.Total += n
		if t.Class == config.ClassFile && n != uint64(t.BdevSize)*gib {
			tu.Note = join(tu.Note, fmt.Sprintf("%s is %d bytes, not the configured bdev_size %d GiB", path, n, t.BdevSize))
		}
	}
	if len(errs) > 0 {
		tu.Err = errors.Join(errs...).Error()
	}
	return tu
}

// deviceSize is a regular file's length or a block device's size.
func deviceSize(path string) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("bdev %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("bdev %w", err)
	}
	if fi.Mode().IsRegular() {
		return uint64(fi.Size()), nil
	}
	// A block device's Stat size is 0; seeking to its end gives its size.
	n, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, fmt.Errorf("bdev %s: size: %w", path, err)
	}
	return uint64(n), nil
}

func statfs(path string) (total, free uint64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, 0, fmt.Errorf("statfs %s: %w", path, err)
	}
	bs := uint64(st.Bsize)
	return st.Blocks * bs, st.Bavail * bs, nil
}

// diskUsage is the space the files under dir occupy (allocated blocks,
// so sparse files count for what they hold).
func diskUsage(dir string) (uint64, error) {
	var used uint64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			used += uint64(st.Blocks) * 512
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("measure %s: %w", dir, err)
	}
	return used, nil
}

// poolDirRE matches a pool directory: DAOS engines keep each pool's
// files in <scm_mount>/<pool uuid>/.
var poolDirRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func countPools(scmMount string) (int, error) {
	ents, err := os.ReadDir(scmMount)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range ents {
		if e.IsDir() && poolDirRE.MatchString(e.Name()) {
			n++
		}
	}
	return n, nil
}
