package dfs

import (
	"strings"
	"syscall"

	"github.com/daos-go/daos/pkg/placement"
)

// hintShards are the sharding words of DFS hints.
var hintShards = map[string]placement.Hints{
	"single": placement.HintShdTny,
	"max":    placement.HintShdMax,
}

// ParseHints reads DFS's hints, "file:<sharding>,dir:<sharding>" in any
// order and either part optional, with sharding single or max.
func ParseHints(s string) (file, dir placement.Hints, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, 0, nil
	}
	for _, part := range strings.Split(s, ",") {
		kind, val, ok := strings.Cut(strings.TrimSpace(part), ":")
		h, known := hintShards[strings.ToLower(strings.TrimSpace(val))]
		if !ok || !known {
			return 0, 0, fail("hints", part, syscall.EINVAL)
		}
		switch strings.ToLower(strings.TrimSpace(kind)) {
		case "file":
			file = h
		case "dir", "directory":
			dir = h
		default:
			return 0, 0, fail("hints", part, syscall.EINVAL)
		}
	}
	return file, dir, nil
}

// applyHints turns the hints into the default classes that are not set.
func (a *Attr) applyHints(shape placement.PoolShape) error {
	file, dir, err := ParseHints(a.Hints)
	if err != nil {
		return err
	}
	pick := func(cid *placement.ClassID, t placement.OType, h placement.Hints) error {
		if *cid != 0 || h == 0 {
			return nil
		}
		c, err := placement.DefaultClass(t, h, shape)
		if err != nil {
			return wrap("hints", a.Hints, err)
		}
		*cid = c
		return nil
	}
	if err := pick(&a.FileOClass, placement.OTArrayByte, file); err != nil {
		return err
	}
	return pick(&a.DirOClass, placement.OTMultiHashed, dir)
}
