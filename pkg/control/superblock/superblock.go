// Package superblock reads and writes an engine's superblock: the small
// YAML file in its SCM mount (or under control_metadata) that records
// which system the storage was formatted for, the engine's UUID, and its
// rank once the management service has assigned one. A superblock's
// presence is what "formatted" means. The package does not format
// anything itself; see pkg/control/storage.
package superblock

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"

	"go.yaml.in/yaml/v3"
)

// FileName is the superblock's name inside its directory.
const FileName = "superblock"

// Version is the superblock layout written by this code.
const Version = 0

// maxBytes bounds what Read accepts; a real superblock is a few hundred
// bytes.
const maxBytes = 64 << 10

// Superblock is the engine's identity on its storage. Field names follow
// DAOS's superblock.
type Superblock struct {
	Version         uint8   `yaml:"version"`
	UUID            string  `yaml:"uuid"`
	System          string  `yaml:"system"`
	Rank            *uint32 `yaml:"rank,omitempty"`
	URI             string  `yaml:"uri,omitempty"`
	ValidRank       bool    `yaml:"validrank"`
	HostFaultDomain string  `yaml:"hostfaultdomain,omitempty"`
	Incarnation     uint64  `yaml:"incarnation,omitempty"`
}

// Path is the superblock file of an engine: in controlDir when the
// config has control_metadata (MD-on-SSD), else in its SCM mount.
func Path(scmMount, controlMetadataPath string, engineIdx int) string {
	if controlMetadataPath != "" {
		return filepath.Join(controlMetadataPath, "daos_control", fmt.Sprintf("engine%d", engineIdx), FileName)
	}
	return filepath.Join(scmMount, FileName)
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// NewUUID returns a random (version 4) UUID in its canonical text form.
func NewUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate UUID: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// Read loads the superblock at path. A missing file wraps os.ErrNotExist:
// the storage is not formatted.
func Read(path string) (*Superblock, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read superblock: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read superblock %s: %w", path, err)
	}
	if len(data) > maxBytes {
		return nil, fmt.Errorf("superblock %s is larger than %d bytes: not a superblock", path, maxBytes)
	}
	sb := &Superblock{}
	if err := yaml.Unmarshal(data, sb); err != nil {
		return nil, fmt.Errorf("parse superblock %s: %w", path, err)
	}
	if err := sb.Validate(); err != nil {
		return nil, fmt.Errorf("superblock %s: %w", path, err)
	}
	return sb, nil
}

// Validate checks the fields every superblock must have.
func (sb *Superblock) Validate() error {
	if !uuidRE.MatchString(sb.UUID) {
		return fmt.Errorf("engine UUID %q is not a UUID", sb.UUID)
	}
	if sb.System == "" {
		return errors.New("no system name")
	}
	if sb.ValidRank && sb.Rank == nil {
		return errors.New("validrank is set but there is no rank")
	}
	return nil
}

// Write stores sb at path atomically: a crash leaves either the old or
// the new superblock, never a torn one. The directory must exist.
func Write(path string, sb *Superblock) error {
	if err := sb.Validate(); err != nil {
		return fmt.Errorf("write superblock %s: %w", path, err)
	}
	data, err := yaml.Marshal(sb)
	if err != nil {
		return fmt.Errorf("encode superblock: %w", err)
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write superblock: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cErr := f.Close(); err == nil {
		err = cErr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write superblock %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
