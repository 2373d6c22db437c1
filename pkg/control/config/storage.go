package config

import (
	"strconv"
	"strings"
)

// validateTiers checks one engine's storage list.
func (s *Server) validateTiers(key string, tiers []*Tier) *Error {
	if len(tiers) == 0 {
		return keyErr(key, "required: at least one tier, and tier 0 must be SCM (class ram or dcpm)")
	}
	var bdevs []*Tier
	var real, emulated, roles bool
	for j, t := range tiers {
		tkey := index(key, j)
		if t == nil {
			return keyErr(tkey, "empty tier")
		}
		if err := checkTier(tkey, t); err != nil {
			return err
		}
		if j == 0 && !t.IsSCM() {
			return keyErr(join(tkey, "class"), "tier 0 must be SCM (class ram or dcpm), not %q", t.Class)
		}
		if j > 0 && t.IsSCM() {
			return keyErr(join(tkey, "class"), "only tier 0 may be SCM; an engine has exactly one SCM tier")
		}
		if t.IsBdev() {
			bdevs = append(bdevs, t)
			real = real || t.Class == ClassNVMe
			emulated = emulated || t.Class != ClassNVMe
			roles = roles || len(t.BdevRoles) > 0
		}
		if real && emulated {
			return keyErr(join(tkey, "class"), "real NVMe (class nvme) and emulated bdevs (file, kdev) cannot be mixed in one engine")
		}
	}
	cm := s.ControlMetadata
	if !roles {
		if cm != nil && len(bdevs) > 0 {
			assignRoles(bdevs)
			roles = true
		} else if len(bdevs) > 1 {
			return keyErr(index(key, len(tiers)-1), "more than one bdev tier needs bdev_roles on every bdev tier (MD-on-SSD)")
		}
	}
	if !roles {
		if cm != nil {
			return keyErr("control_metadata", "is only for MD-on-SSD: it needs bdev tiers in every engine")
		}
		return nil
	}
	return checkRoles(key, tiers, cm)
}

// checkTier applies the per-class rules of one tier.
func checkTier(key string, t *Tier) *Error {
	switch t.Class {
	case ClassRAM, ClassDCPM, ClassNVMe, ClassFile, ClassKdev:
	case "":
		return keyErr(join(key, "class"), "required: one of ram, dcpm, nvme, file, kdev")
	case ClassMalloc:
		return keyErr(join(key, "class"), "unsupported storage class %q (removed in DAOS 2.0; use class file for emulated NVMe)", t.Class)
	default:
		return keyErr(join(key, "class"), "unsupported storage class %q: want ram, dcpm, nvme, file or kdev", t.Class)
	}
	if t.IsSCM() {
		if len(t.BdevList) > 0 || t.BdevSize != 0 || len(t.BdevRoles) > 0 || t.BdevBusidRange != "" {
			return keyErr(key, "bdev_* keys do not apply to SCM class %q", t.Class)
		}
		if t.ScmMount == "" {
			return keyErr(join(key, "scm_mount"), "required for class %s (e.g. /mnt/daos)", t.Class)
		}
		if !strings.HasPrefix(t.ScmMount, "/") {
			return keyErr(join(key, "scm_mount"), "%q must be an absolute path", t.ScmMount)
		}
	} else {
		if t.ScmMount != "" || t.ScmSize != 0 || len(t.ScmList) > 0 || t.ScmHugepagesDisabled != nil {
			return keyErr(key, "scm_* keys do not apply to bdev class %q", t.Class)
		}
		if len(t.BdevList) == 0 {
			return keyErr(join(key, "bdev_list"), "required for class %s", t.Class)
		}
		if t.BdevSize < 0 {
			return keyErr(join(key, "bdev_size"), "must not be negative, not %d", t.BdevSize)
		}
		if t.BdevNumber < 0 {
			return keyErr(join(key, "bdev_number"), "must not be negative")
		}
		if t.BdevBusidRange != "" && t.Class != ClassNVMe {
			return keyErr(join(key, "bdev_busid_range"), "only applies to class nvme")
		}
		seen := make(map[string]bool)
		for i, d := range t.BdevList {
			if seen[d] {
				return keyErr(index(join(key, "bdev_list"), i), "%q is listed twice", d)
			}
			seen[d] = true
		}
	}
	switch t.Class {
	case ClassRAM:
		if len(t.ScmList) > 0 {
			return keyErr(join(key, "scm_list"), "does not apply to class ram (it is for dcpm)")
		}
		if t.ScmSize < 0 {
			return keyErr(join(key, "scm_size"), "must not be negative, not %d", t.ScmSize)
		}
		if t.ScmSize > 0 && t.ScmSize < MinRAMDiskGiB {
			return keyErr(join(key, "scm_size"), "%d GiB is below the minimum of %d GiB (or leave it out to size automatically)", t.ScmSize, MinRAMDiskGiB)
		}
	case ClassDCPM:
		if t.ScmSize != 0 {
			return keyErr(join(key, "scm_size"), "does not apply to class dcpm (the namespace size is used)")
		}
		if t.ScmHugepagesDisabled != nil {
			return keyErr(join(key, "scm_hugepages_disabled"), "only applies to class ram")
		}
		switch len(t.ScmList) {
		case 0:
			return keyErr(join(key, "scm_list"), "required for class dcpm (e.g. [/dev/pmem0])")
		case 1:
		default:
			return keyErr(join(key, "scm_list"), "has %d devices: class dcpm takes exactly one", len(t.ScmList))
		}
		if !strings.HasPrefix(t.ScmList[0], "/dev/") {
			return keyErr(index(join(key, "scm_list"), 0), "%q is not a device path (like /dev/pmem0)", t.ScmList[0])
		}
	case ClassNVMe:
		for i, d := range t.BdevList {
			if !pciAddrRE.MatchString(d) {
				return keyErr(index(join(key, "bdev_list"), i), "%q is not a PCI address (like 0000:81:00.0); class nvme takes PCI or VMD addresses only", d)
			}
		}
		if t.BdevBusidRange != "" {
			if err := checkBusidRange(join(key, "bdev_busid_range"), t.BdevBusidRange); err != nil {
				return err
			}
		}
	case ClassFile:
		if t.BdevSize == 0 {
			return keyErr(join(key, "bdev_size"), "required for class file: the size in GiB of each file")
		}
		fallthrough
	case ClassKdev:
		for i, d := range t.BdevList {
			if !strings.HasPrefix(d, "/") {
				return keyErr(index(join(key, "bdev_list"), i), "%q must be an absolute path", d)
			}
		}
	}
	for i, r := range t.BdevRoles {
		if r != RoleWAL && r != RoleMeta && r != RoleData {
			return keyErr(index(join(key, "bdev_roles"), i), "%q is not a role: want wal, meta or data", r)
		}
		for _, prev := range t.BdevRoles[:i] {
			if prev == r {
				return keyErr(index(join(key, "bdev_roles"), i), "role %q is listed twice", r)
			}
		}
	}
	return nil
}

func checkBusidRange(key, r string) *Error {
	if !busidRE.MatchString(r) {
		return keyErr(key, "%q is not a bus range like 0x80-0x8f or 128-143", r)
	}
	lo, hi, _ := strings.Cut(r, "-")
	l, err1 := strconv.ParseUint(lo, 0, 16)
	h, err2 := strconv.ParseUint(hi, 0, 16)
	if err1 != nil || err2 != nil || l > 255 || h > 255 || l > h {
		return keyErr(key, "%q is not an increasing range of bus numbers 0-255", r)
	}
	return nil
}

// assignRoles gives MD-on-SSD roles to bdev tiers that have none: one
// tier takes all three; two tiers take wal | meta,data; three take wal |
// meta | data.
func assignRoles(bdevs []*Tier) {
	switch len(bdevs) {
	case 1:
		bdevs[0].BdevRoles = []string{RoleWAL, RoleMeta, RoleData}
	case 2:
		bdevs[0].BdevRoles = []string{RoleWAL}
		bdevs[1].BdevRoles = []string{RoleMeta, RoleData}
	default:
		bdevs[0].BdevRoles = []string{RoleWAL}
		bdevs[1].BdevRoles = []string{RoleMeta}
		bdevs[2].BdevRoles = []string{RoleData}
	}
}

// checkRoles applies the MD-on-SSD rules once any tier has roles.
func checkRoles(key string, tiers []*Tier, cm *ControlMetadata) *Error {
	if tiers[0].Class != ClassRAM {
		return keyErr(join(index(key, 0), "class"), "MD-on-SSD (bdev_roles) needs SCM class ram, not %q", tiers[0].Class)
	}
	count := map[string]int{}
	nbdev := 0
	for j, t := range tiers[1:] {
		tkey := index(key, j+1)
		nbdev++
		if len(t.BdevRoles) == 0 {
			return keyErr(join(tkey, "bdev_roles"), "required: with MD-on-SSD every bdev tier has roles")
		}
		if cm == nil {
			return keyErr(join(tkey, "bdev_roles"), "MD-on-SSD needs control_metadata.path to be set")
		}
		has := map[string]bool{}
		for _, r := range t.BdevRoles {
			count[r]++
			has[r] = true
		}
		if has[RoleWAL] && has[RoleData] && !has[RoleMeta] {
			return keyErr(join(tkey, "bdev_roles"), "a tier with wal and data must also hold meta")
		}
	}
	if nbdev > 3 {
		return keyErr(key, "MD-on-SSD takes 1 to 3 bdev tiers, not %d", nbdev)
	}
	for _, r := range []string{RoleWAL, RoleMeta, RoleData} {
		if count[r] != 1 {
			return keyErr(key, "bdev role %q must appear in exactly one tier (found %d)", r, count[r])
		}
	}
	return nil
}
