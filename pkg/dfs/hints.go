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
		t, h, err := oneHint("hints", part)
		if err != nil {
			return 0, 0, err
		}
		if t == placement.OTArrayByte {
			file = h
		} else {
			dir = h
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

// maxHintLen is DAOS_CONT_HINT_MAX_LEN: a hint is shorter.
const maxHintLen = 128

// oneHint reads one hint, "file:<sharding>" or "dir:<sharding>" (sharding
// single or max), into the object type it is for and its sharding; op
// names the call in its error.
func oneHint(op, hint string) (placement.OType, placement.Hints, error) {
	kind, val, ok := strings.Cut(strings.TrimSpace(hint), ":")
	h, known := hintShards[strings.ToLower(strings.TrimSpace(val))]
	if !ok || !known {
		return 0, 0, fail(op, hint, syscall.EINVAL)
	}
	switch strings.ToLower(strings.TrimSpace(kind)) {
	case "file":
		return placement.OTArrayByte, h, nil
	case "dir", "directory":
		return placement.OTMultiHashed, h, nil
	}
	return 0, 0, fail(op, hint, syscall.EINVAL)
}

// SuggestClass is dfs_suggest_oclass: the class a file or a directory
// made with this one hint would get in this container (its pool's shape
// and redundancy factor).
func (fs *FS) SuggestClass(hint string) (placement.ClassID, error) {
	if len(hint) >= maxHintLen {
		return 0, fail("suggest oclass", "hint longer than 127 bytes", syscall.EINVAL)
	}
	t, h, err := oneHint("suggest oclass", hint)
	if err != nil {
		return 0, err
	}
	c, err := placement.DefaultClass(t, h, fs.shape)
	if err != nil {
		return 0, wrap("suggest oclass", hint, err)
	}
	return c, nil
}
