package system

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/daos-go/daos/pkg/daos"
)

// System property names (dmg system get-prop/set-prop).
const (
	PropDaosVersion     = "daos_version"
	PropDaosSystem      = "daos_system"
	PropPoolScrubMode   = "pool_scrub_mode"
	PropPoolScrubThresh = "pool_scrub_thresh"
	PropSelfHeal        = "self_heal"
)

// propDefaults are the values of properties never set.
var propDefaults = map[string]string{
	PropPoolScrubMode:   "off",
	PropPoolScrubThresh: "0",
	PropSelfHeal:        "exclude;pool_exclude;pool_rebuild",
}

// checkProps validates settable properties and their values.
func checkProps(kv map[string]string) error {
	if len(kv) == 0 {
		return daos.Errorf(daos.ErrInval, "no system properties given")
	}
	for k, v := range kv {
		if err := checkProp(k, v); err != nil {
			return daos.Errorf(daos.ErrInval, "system property %s: %v", k, err)
		}
	}
	return nil
}

func checkProp(k, v string) error {
	switch k {
	case PropDaosVersion, PropDaosSystem:
		return fmt.Errorf("is read-only")
	case PropPoolScrubMode:
		if v != "off" && v != "lazy" && v != "timed" {
			return fmt.Errorf("%q is not one of off, lazy, timed", v)
		}
	case PropPoolScrubThresh:
		if _, err := strconv.ParseUint(v, 10, 64); err != nil {
			return fmt.Errorf("%q is not a non-negative integer", v)
		}
	case PropSelfHeal:
		if v == "none" {
			return nil
		}
		for _, f := range strings.Split(v, ";") {
			if f != "exclude" && f != "pool_exclude" && f != "pool_rebuild" {
				return fmt.Errorf("%q is not none or a ;-list of exclude, pool_exclude, pool_rebuild", v)
			}
		}
	default:
		return fmt.Errorf("unknown property")
	}
	return nil
}

// Props returns the named properties (all when keys is empty) with
// defaults filled in; system and version name the read-only ones.
func (db *Database) Props(keys []string, system, version string) (map[string]string, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	all := map[string]string{PropDaosSystem: system, PropDaosVersion: version}
	for k, v := range propDefaults {
		all[k] = v
	}
	for k, v := range db.st.Props {
		all[k] = v
	}
	return pick(all, keys, "system property")
}

// SelfHeal tells whether the system self_heal property has flag
// ("exclude", "pool_exclude" or "pool_rebuild").
func (db *Database) SelfHeal(flag string) bool {
	p, _ := db.Props([]string{PropSelfHeal}, "", "")
	for _, f := range strings.Split(p[PropSelfHeal], ";") {
		if f == flag {
			return true
		}
	}
	return false
}
