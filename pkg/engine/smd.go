package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/superblock"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine/enginepb"
	"github.com/daos-go/daos/pkg/engine/target"
)

// SMDFileName is the engine's device table (DAOS's SMD, "per-server
// metadata"), kept beside the superblock: on the SCM mount, or under
// control_metadata with MD-on-SSD. Format replaces the superblock's
// engine UUID, which is how a table left over from before a format is
// recognised and replaced.
const SMDFileName = "smd.json"

// maxSMDBytes bounds what loadSMD reads; a table of a few devices is well
// under a KiB.
const maxSMDBytes = 1 << 20

// smdDevice is one bdev's identity. The path is the key: the same file or
// PCI address on the same formatted storage is the same device.
type smdDevice struct {
	UUID  string `json:"uuid"`
	Path  string `json:"path"`
	Class string `json:"class"`
}

// smdRecord is the table on storage.
type smdRecord struct {
	// EngineUUID is the superblock's UUID when the table was made.
	EngineUUID string      `json:"engine_uuid"`
	Devices    []smdDevice `json:"devices"`
}

// smdDev is a configured device with its identity.
type smdDev struct {
	smdDevice
	tier  int // storage tier: SCM is 0, bdev tiers follow
	roles []string
}

// SMDPath is the device table of an engine whose superblock is at sbPath.
func SMDPath(sbPath string) string { return filepath.Join(filepath.Dir(sbPath), SMDFileName) }

// loadSMD gives every configured bdev its identity: the one on record,
// or a new UUID for a device met for the first time (new storage, a
// system formatted before device tables existed, a device added to
// bdev_list). The table is rewritten only when it changed.
func loadSMD(cfg *enginepb.EngineConfig, sb *superblock.Superblock) ([]smdDev, error) {
	path := SMDPath(cfg.SuperblockPath)
	rec, err := readSMD(path)
	if err != nil {
		return nil, err
	}
	changed := rec == nil || rec.EngineUUID != sb.UUID
	if changed {
		rec = &smdRecord{EngineUUID: sb.UUID}
	}
	known := map[string]smdDevice{}
	for _, d := range rec.Devices {
		known[d.Path] = d
	}
	next := smdRecord{EngineUUID: sb.UUID}
	var devs []smdDev
	for i, t := range cfg.Bdevs {
		for _, p := range t.Devices {
			d, ok := known[p]
			if !ok || d.Class != t.Class {
				id, err := superblock.NewUUID()
				if err != nil {
					return nil, err
				}
				d, changed = smdDevice{UUID: id, Path: p, Class: t.Class}, true
			}
			next.Devices = append(next.Devices, d)
			devs = append(devs, smdDev{smdDevice: d, tier: i + 1, roles: t.Roles})
		}
	}
	if changed || len(next.Devices) != len(rec.Devices) {
		if err := writeSMD(path, &next); err != nil {
			return nil, err
		}
	}
	return devs, nil
}

// readSMD reads the table; a missing one is nil, nil.
func readSMD(path string) (*smdRecord, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read device table: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSMDBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read device table %s: %w", path, err)
	}
	if len(data) > maxSMDBytes {
		return nil, fmt.Errorf("device table %s is larger than %d bytes", path, maxSMDBytes)
	}
	rec := &smdRecord{}
	if err := json.Unmarshal(data, rec); err != nil {
		return nil, fmt.Errorf("device table %s is damaged (%v): remove it to give the devices new UUIDs", path, err)
	}
	return rec, nil
}

// writeSMD replaces the table atomically, as the superblock is.
func writeSMD(path string, rec *smdRecord) error {
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	err = os.WriteFile(tmp, data, 0o600)
	if err == nil {
		if f, oerr := os.Open(tmp); oerr == nil {
			err = f.Sync()
			f.Close()
		}
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write device table %s: %w", path, err)
	}
	return nil
}

// dataDevice is the bdev whose neighbourhood holds the targets' NVMe
// data: the first file bdev (see nvmeDir).
func dataDevice(cfg *enginepb.EngineConfig) string {
	for _, t := range cfg.Bdevs {
		if t.Class == "file" && len(t.Devices) > 0 {
			return t.Devices[0]
		}
	}
	return ""
}

// smdListDevs answers MGMT SMD_LIST_DEVS.
func (e *Engine) smdListDevs(_ context.Context, body []byte) ([]byte, error) {
	req := &enginepb.SmdDevReq{}
	if err := proto.Unmarshal(body, req); err != nil {
		return nil, fmt.Errorf("%w: %v", drpc.ErrBadPayload, err)
	}
	return proto.Marshal(&enginepb.SmdDevResp{Devices: listDevices(e.cfg, e.smd, e.dp.targets, req.IncludeHealth)})
}

// listDevices describes the devices. Every device is NORMAL: the engine
// has no fault detection that would mark one otherwise.
func listDevices(cfg *enginepb.EngineConfig, devs []smdDev, targets []*target.Target, health bool) []*enginepb.SmdDevice {
	data := dataDevice(cfg)
	out := make([]*enginepb.SmdDevice, 0, len(devs))
	for _, d := range devs {
		sd := &enginepb.SmdDevice{Uuid: d.UUID, State: "NORMAL", TrAddr: d.Path, Roles: d.roles, Class: d.Class, Tier: uint32(d.tier),
			TgtIds: []int32{}}
		switch {
		case d.Path == data:
			for _, t := range targets {
				sd.TgtIds = append(sd.TgtIds, int32(t.Index()))
			}
		case d.Class == "file":
			sd.Note = "no target data: daos-go keeps every target's NVMe data beside the first file bdev (" + data + ")"
		default:
			sd.Note = "no target data: class " + d.Class + " needs SPDK, which this build lacks; targets keep their values in SCM"
		}
		if health {
			sd.Health = deviceHealth(d, d.Path == data, targets)
		}
		out = append(out, sd)
	}
	return out
}

// deviceHealth is what the engine knows of a device: its size and what
// its pool shards hold. It counts no I/O or checksum errors per device,
// and an emulated device has no SMART log.
func deviceHealth(d smdDev, holdsData bool, targets []*target.Target) *enginepb.BioHealth {
	h := &enginepb.BioHealth{Unavailable: []string{
		"temperature, power, SMART and wear figures: not an NVMe controller (emulated " + d.Class + " device)",
		"I/O and checksum error counts: the engine does not count them per device",
	}}
	if d.Class == "nvme" {
		h.Unavailable[0] = "temperature, power, SMART and wear figures: class nvme needs SPDK, which this build lacks"
	}
	if n, err := deviceBytes(d); err == nil {
		h.TotalBytes = n
	} else {
		h.Unavailable = append(h.Unavailable, "size: "+err.Error())
	}
	if holdsData {
		for _, t := range targets {
			for _, p := range t.Pools() {
				vp, err := t.Shard(p)
				if err != nil {
					continue // destroyed meanwhile
				}
				sp := vp.Space()
				h.AllocatedBytes += sp.NVMeTotal
				h.UsedBytes += sp.NVMeUsed
			}
		}
	}
	h.FreeBytes = h.TotalBytes - min(h.AllocatedBytes, h.TotalBytes)
	return h
}

// deviceBytes is a file's or block device's size.
func deviceBytes(d smdDev) (uint64, error) {
	if d.Class == "nvme" {
		return 0, fmt.Errorf("class nvme needs SPDK, which this build lacks")
	}
	f, err := os.Open(d.Path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	// Seeking to the end works for regular files and block devices alike.
	n, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
	return uint64(n), nil
}

// smdListPools answers MGMT SMD_LIST_POOLS.
func (e *Engine) smdListPools(_ context.Context, body []byte) ([]byte, error) {
	req := &enginepb.SmdPoolReq{}
	if err := proto.Unmarshal(body, req); err != nil {
		return nil, fmt.Errorf("%w: %v", drpc.ErrBadPayload, err)
	}
	return proto.Marshal(&enginepb.SmdPoolResp{Pools: listPools(e.cfg, e.smd, e.dp.targets)})
}

// listPools lists the pools with a shard on some target, in UUID order.
func listPools(cfg *enginepb.EngineConfig, devs []smdDev, targets []*target.Target) []*enginepb.SmdPool {
	data, devUUID := dataDevice(cfg), ""
	for _, d := range devs {
		if d.Path == data {
			devUUID = d.UUID
		}
	}
	byPool := map[target.UUID]*enginepb.SmdPool{}
	for _, t := range targets {
		for _, p := range t.Pools() {
			sp := byPool[p]
			if sp == nil {
				sp = &enginepb.SmdPool{Uuid: p.String()}
				byPool[p] = sp
			}
			sp.TgtIds = append(sp.TgtIds, int32(t.Index()))
			if nv := t.NVMeFile(p); nv != "" {
				sp.Blobs = append(sp.Blobs, nv)
				sp.DevUuid = devUUID
			}
		}
	}
	out := make([]*enginepb.SmdPool, 0, len(byPool))
	for _, sp := range byPool {
		out = append(out, sp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Uuid < out[j].Uuid })
	return out
}
