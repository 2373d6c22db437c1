package config

import "fmt"

const gib = uint64(1) << 30

// MemInfo is what RAM-disk sizing needs to know about a host's memory.
type MemInfo struct {
	TotalBytes     uint64
	HugepagesBytes uint64 // memory held by configured hugepages
}

// ReservedGiB is system_ram_reserved in effect: the configured value, or
// the daos-go default of min(64 GiB, a quarter of MemTotal). DAOS's own
// default is a flat 64 GiB, which rejects every ram-class config on hosts
// with less than about 72 GiB.
func (s *Server) ReservedGiB(mem MemInfo) uint64 {
	if s.SystemRAMReserved != nil {
		return uint64(*s.SystemRAMReserved)
	}
	return min(64, mem.TotalBytes/4/gib)
}

// MaxRAMDiskBytes is the largest ram-class SCM each engine may have:
// (MemTotal - hugepages - reserved - engines * max(targets * 128 MiB,
// 1 GiB)) / engines. It fails when that is below the 4 GiB minimum.
func (s *Server) MaxRAMDiskBytes(mem MemInfo) (uint64, error) {
	n := uint64(len(s.Engines))
	if n == 0 {
		return 0, fmt.Errorf("no engines configured")
	}
	perEngine := uint64(0)
	for _, e := range s.Engines {
		perEngine = max(perEngine, max(uint64(e.Targets)*(128<<20), gib))
	}
	reserved := s.ReservedGiB(mem) * gib
	used := mem.HugepagesBytes + reserved + n*perEngine
	if mem.TotalBytes <= used {
		return 0, s.ramdiskErr(mem, reserved, 0)
	}
	avail := (mem.TotalBytes - used) / n
	if avail < MinRAMDiskGiB*gib {
		return 0, s.ramdiskErr(mem, reserved, avail)
	}
	return avail, nil
}

func (s *Server) ramdiskErr(mem MemInfo, reserved, avail uint64) error {
	how := "lower system_ram_reserved"
	if s.SystemRAMReserved == nil {
		how = "set system_ram_reserved lower than the default"
	}
	return fmt.Errorf("RAM-disk SCM does not fit: %d MiB per engine is left of %d MiB total "+
		"(hugepages %d MiB, system_ram_reserved %d GiB), and the minimum is %d GiB; %s, use fewer engines or targets, or add memory",
		avail>>20, mem.TotalBytes>>20, mem.HugepagesBytes>>20, reserved/gib, MinRAMDiskGiB, how)
}

// CheckRAMDisks checks every ram-class tier against what the host's memory
// allows: an explicit scm_size must not exceed the maximum, and an
// automatic one needs at least the minimum available.
func (s *Server) CheckRAMDisks(mem MemInfo) error {
	var max uint64
	var err error
	for i, e := range s.Engines {
		scm := e.SCM()
		if scm == nil || scm.Class != ClassRAM {
			continue
		}
		if max == 0 {
			if max, err = s.MaxRAMDiskBytes(mem); err != nil {
				return keyErr(join(index(join(index("engines", i), "storage"), 0), "scm_size"), "%v", err)
			}
		}
		if size := uint64(scm.ScmSize) * gib; size > max {
			return keyErr(join(index(join(index("engines", i), "storage"), 0), "scm_size"),
				"%d GiB exceeds the %d MiB this host can give each engine", scm.ScmSize, max>>20)
		}
	}
	return nil
}
