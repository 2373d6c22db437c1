package system

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/daos-go/daos/pkg/daos"
)

// Pool directory commands (Command.Pool carries the entry).
const (
	OpPoolAdd    = "pool_add"
	OpPoolUpdate = "pool_update"
	OpPoolRemove = "pool_remove"
)

// Pool service states as the directory records them (mgmt.PoolServiceState
// names).
const (
	PoolCreating        = "Creating"
	PoolReady           = "Ready"
	PoolDestroying      = "Destroying"
	PoolTargetsExcluded = "TargetsExcluded"
	PoolUnknown         = "Unknown"
)

// MaxLabelLen is the longest pool or container label.
const MaxLabelLen = 127

// IsUUID tells whether s has the 8-4-4-4-12 hex form of a UUID.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !unicode.Is(unicode.ASCII_Hex_Digit, c) {
				return false
			}
		}
	}
	return true
}

// CheckPoolLabel applies DAOS's label rules: 1-127 characters of
// [A-Za-z0-9._:-], and not something that reads as a UUID (labels and
// UUIDs share the <label|UUID> argument).
func CheckPoolLabel(label string) error {
	if label == "" {
		return daos.Errorf(daos.ErrInval, "invalid label: empty")
	}
	if len(label) > MaxLabelLen {
		return daos.Errorf(daos.ErrInval, "invalid label %q: longer than %d characters", label, MaxLabelLen)
	}
	for _, c := range label {
		ok := c < unicode.MaxASCII && (unicode.IsLetter(c) || unicode.IsDigit(c)) || strings.ContainsRune("._:-", c)
		if !ok {
			return daos.Errorf(daos.ErrInval, "invalid label %q: only letters, digits and . _ : - are allowed", label)
		}
	}
	if IsUUID(label) {
		return daos.Errorf(daos.ErrInval, "invalid label %q: a label may not be a UUID", label)
	}
	return nil
}

// ParseSize reads a size as humanize.ParseBytes does: a bare number is
// bytes, K/KB/M/MB/... are powers of 1000 and KiB/MiB/... powers of 1024,
// case-insensitive, with an optional space and decimals ("1.5GiB").
func ParseSize(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	if num == "" {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	mult, ok := sizeUnits[unit]
	if !ok {
		return 0, fmt.Errorf("invalid size %q: unknown unit %q", s, t[i:])
	}
	if !strings.Contains(num, ".") {
		n, err := strconv.ParseUint(num, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid size %q", s)
		}
		if mult > 1 && n > math.MaxUint64/mult {
			return 0, fmt.Errorf("invalid size %q: too large", s)
		}
		return n * mult, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	v := f * float64(mult)
	if v >= math.MaxUint64 {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	return uint64(v), nil
}

var sizeUnits = func() map[string]uint64 {
	m := map[string]uint64{"": 1, "b": 1}
	si, iec := uint64(1), uint64(1)
	for _, p := range []string{"k", "m", "g", "t", "p", "e"} {
		si *= 1000
		iec *= 1024
		m[p], m[p+"b"] = si, si
		m[p+"ib"] = iec
	}
	return m
}()

// FindPool looks a pool up by UUID (any case) or label; an absent pool is
// DER_NONEXIST naming it.
func (db *Database) FindPool(id string) (PoolInfo, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if p := db.st.findPool(id); p != nil {
		return p.clone(), nil
	}
	return PoolInfo{}, daos.Errorf(daos.ErrNonexist, "pool %q not found", id)
}

func (st *record) findPool(id string) *PoolInfo {
	if p, ok := st.Pools[strings.ToLower(id)]; ok {
		return p
	}
	for _, p := range st.Pools {
		if p.Label == id {
			return p
		}
	}
	return nil
}

func (p *PoolInfo) clone() PoolInfo {
	c := *p
	c.SvcReps = slices.Clone(p.SvcReps)
	c.Ranks = slices.Clone(p.Ranks)
	c.TierBytes = slices.Clone(p.TierBytes)
	c.CreatorEngines = slices.Clone(p.CreatorEngines)
	return c
}

// applyPool runs the directory commands. Entries are keyed by lower-case
// UUID and replaced, never changed in place, so copies handed out by
// Pools share nothing that changes.
func (st *record) applyPool(op string, p *PoolInfo) error {
	if p == nil {
		return daos.Errorf(daos.ErrInval, "%s command without a pool", op)
	}
	if !IsUUID(p.UUID) {
		return daos.Errorf(daos.ErrInval, "%s: invalid pool UUID %q", op, p.UUID)
	}
	key := strings.ToLower(p.UUID)
	old, exists := st.Pools[key]
	switch op {
	case OpPoolAdd:
		if exists {
			return daos.Errorf(daos.ErrExist, "pool %s already exists (label %q)", p.UUID, old.Label)
		}
	case OpPoolUpdate:
		if !exists {
			return daos.Errorf(daos.ErrNonexist, "pool %s not found", p.UUID)
		}
	case OpPoolRemove:
		if !exists {
			return daos.Errorf(daos.ErrNonexist, "pool %s not found", p.UUID)
		}
		delete(st.Pools, key)
		return nil
	}
	if err := CheckPoolLabel(p.Label); err != nil {
		return err
	}
	for k, q := range st.Pools {
		if k != key && q.Label == p.Label {
			return daos.Errorf(daos.ErrExist, "pool label %q is already used by pool %s", p.Label, q.UUID)
		}
	}
	c := p.clone()
	c.UUID = key
	if c.State == "" {
		c.State = PoolCreating
	}
	st.Pools[key] = &c
	return nil
}
