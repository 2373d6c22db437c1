package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/superblock"
	"github.com/daos-go/daos/pkg/daos"
)

const gib = uint64(1) << 30

// ErrAlreadyFormatted is wrapped when format finds a superblock and force
// was not given. It carries DER_EXIST.
var ErrAlreadyFormatted = daos.Errorf(daos.ErrExist, "engine storage is already formatted")

// Engine names one engine's storage.
type Engine struct {
	Index  int
	Config *config.Engine
	// ControlMetadataPath is control_metadata.path, or "".
	ControlMetadataPath string
}

// SuperblockPath is where the engine's superblock lives.
func (e Engine) SuperblockPath() string {
	scm := e.Config.SCM()
	mount := ""
	if scm != nil {
		mount = scm.ScmMount
	}
	return superblock.Path(mount, e.ControlMetadataPath, e.Index)
}

// Formatter prepares and formats engine storage.
type Formatter struct {
	// Mounter mounts RAM disks; nil means SystemMounter.
	Mounter Mounter
	// MountRAM says whether class ram gets a tmpfs mounted. When false,
	// scm_mount is used as a plain directory. NewFormatter sets it when
	// running as root, since only root can mount.
	MountRAM bool
	Logger   *slog.Logger
}

// NewFormatter returns a formatter that mounts tmpfs when run as root.
func NewFormatter(log *slog.Logger) *Formatter {
	return &Formatter{Mounter: SystemMounter{}, MountRAM: os.Geteuid() == 0, Logger: log}
}

// Superblock returns the engine's superblock, or nil with no error when
// the storage is not formatted.
func (f *Formatter) Superblock(e Engine) (*superblock.Superblock, error) {
	sb, err := superblock.Read(e.SuperblockPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("engine %d: %w", e.Index, err)
	}
	return sb, nil
}

// FormatRequest says how to format one engine.
type FormatRequest struct {
	Engine Engine
	// System is the system name recorded in the superblock.
	System string
	// HostFaultDomain is recorded in the superblock.
	HostFaultDomain string
	// RAMDiskBytes sizes a tmpfs when scm_size is 0 (auto).
	RAMDiskBytes uint64
	// Force reformats storage that already has a superblock: SCM content
	// is erased, bdev files recreated, and the engine gets a new UUID.
	Force bool
}

// Format prepares the engine's SCM and bdevs and writes a new superblock.
// Without Force it refuses storage that is already formatted
// (ErrAlreadyFormatted). The engine must not be running.
func (f *Formatter) Format(ctx context.Context, req FormatRequest) (*superblock.Superblock, error) {
	e := req.Engine
	old, err := f.Superblock(e)
	if err != nil && !req.Force {
		return nil, fmt.Errorf("format engine %d: %w (use force to overwrite it)", e.Index, err)
	}
	if old != nil && !req.Force {
		return nil, fmt.Errorf("format engine %d: %w for system %q with UUID %s; use force to reformat, which erases it",
			e.Index, ErrAlreadyFormatted, old.System, old.UUID)
	}
	formatted := old != nil || err != nil
	if err := f.prepareSCM(ctx, e, req.RAMDiskBytes, formatted && req.Force); err != nil {
		return nil, fmt.Errorf("format engine %d: %w", e.Index, err)
	}
	if err := f.prepareBdevs(e); err != nil {
		return nil, fmt.Errorf("format engine %d: %w", e.Index, err)
	}
	id, err := superblock.NewUUID()
	if err != nil {
		return nil, fmt.Errorf("format engine %d: %w", e.Index, err)
	}
	sb := &superblock.Superblock{
		Version:         superblock.Version,
		UUID:            id,
		System:          req.System,
		HostFaultDomain: req.HostFaultDomain,
	}
	path := e.SuperblockPath()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("format engine %d: create superblock directory: %w", e.Index, err)
	}
	if err := superblock.Write(path, sb); err != nil {
		return nil, fmt.Errorf("format engine %d: %w", e.Index, err)
	}
	f.log().Info("engine storage formatted", "engine", e.Index, "uuid", id, "superblock", path)
	return sb, nil
}

func (f *Formatter) log() *slog.Logger {
	if f.Logger == nil {
		return slog.Default()
	}
	return f.Logger
}

func (f *Formatter) mounter() Mounter {
	if f.Mounter == nil {
		return SystemMounter{}
	}
	return f.Mounter
}

// prepareSCM makes scm_mount ready: mounted (class ram as root) or a
// directory, and emptied when erase is set.
func (f *Formatter) prepareSCM(ctx context.Context, e Engine, autoBytes uint64, erase bool) error {
	scm := e.Config.SCM()
	switch {
	case scm == nil:
		return errors.New("no SCM tier (storage tier 0 must be class ram or dcpm)")
	case scm.Class == config.ClassDCPM:
		return fmt.Errorf("SCM class dcpm (%v) is not supported by daos-go yet; use class ram", scm.ScmList)
	}
	if erase {
		if err := emptyDir(scm.ScmMount); err != nil {
			return fmt.Errorf("erase SCM at %s: %w", scm.ScmMount, err)
		}
	}
	if !f.MountRAM {
		if err := os.MkdirAll(scm.ScmMount, 0o755); err != nil {
			return fmt.Errorf("create SCM directory %s: %w", scm.ScmMount, err)
		}
		f.log().Warn("class ram SCM is used as a plain directory, not a tmpfs (mounting needs root, or was turned off); its size is not enforced",
			"engine", e.Index, "scm_mount", scm.ScmMount)
		return nil
	}
	mounted, err := f.mounter().IsMounted(scm.ScmMount)
	if err != nil {
		return err
	}
	if mounted {
		f.log().Info("SCM mount point is already mounted; using it as it is", "engine", e.Index, "scm_mount", scm.ScmMount)
		return nil
	}
	size := uint64(scm.ScmSize) * gib
	if size == 0 {
		size = autoBytes
	}
	if size == 0 {
		return fmt.Errorf("cannot size the RAM disk at %s: scm_size is 0 (auto) and no size was computed", scm.ScmMount)
	}
	return f.mounter().MountTmpfs(ctx, scm.ScmMount, size)
}

// emptyDir removes everything inside dir but not dir itself; a missing
// dir is fine.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, ent := range entries {
		if err := os.RemoveAll(filepath.Join(dir, ent.Name())); err != nil {
			return err
		}
	}
	return nil
}

// prepareBdevs creates file-class bdevs and checks kdev ones.
func (f *Formatter) prepareBdevs(e Engine) error {
	for i, t := range e.Config.Storage {
		switch t.Class {
		case config.ClassFile:
			for _, path := range t.BdevList {
				if err := createBdevFile(path, uint64(t.BdevSize)*gib); err != nil {
					return fmt.Errorf("storage tier %d: %w", i, err)
				}
			}
		case config.ClassKdev:
			for _, path := range t.BdevList {
				fi, err := os.Stat(path)
				if err != nil {
					return fmt.Errorf("storage tier %d: kdev %w", i, err)
				}
				if fi.Mode()&fs.ModeDevice == 0 {
					return fmt.Errorf("storage tier %d: kdev %s is not a block device", i, path)
				}
			}
		case config.ClassNVMe:
			return fmt.Errorf("storage tier %d: class nvme needs SPDK, which daos-go does not support yet; use class file", i)
		}
	}
	return nil
}

// createBdevFile (re)creates a sparse file of size bytes at path.
func createBdevFile(path string, size uint64) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create directory of bdev file %s: %w", path, err)
	}
	fh, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create bdev file: %w", err)
	}
	err = fh.Truncate(int64(size))
	if cErr := fh.Close(); err == nil {
		err = cErr
	}
	if err != nil {
		return fmt.Errorf("size bdev file %s to %d GiB: %w", path, size/gib, err)
	}
	return nil
}
