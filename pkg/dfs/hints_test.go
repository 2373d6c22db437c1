package dfs

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/daos-go/daos/pkg/placement"
)

// TestSuggestClass: a hint names the object type and the sharding whose
// default class it gives, as a create with that hint would get it.
func TestSuggestClass(t *testing.T) {
	shape := placement.PoolShape{Targets: 12, Domains: 3}
	for _, c := range []struct {
		hint  string
		rdFac int
		t     placement.OType
		h     placement.Hints
		name  string // when the class is plain
	}{
		{"file:single", 0, placement.OTArrayByte, placement.HintShdTny, "S1"},
		{"file:max", 0, placement.OTArrayByte, placement.HintShdMax, "S12"},
		{"dir:single", 0, placement.OTMultiHashed, placement.HintShdTny, "S1"},
		{" Directory : MAX ", 0, placement.OTMultiHashed, placement.HintShdMax, "S12"},
		{"file:single", 1, placement.OTArrayByte, placement.HintShdTny, ""},
		{"dir:max", 2, placement.OTMultiHashed, placement.HintShdMax, ""},
	} {
		shape.RdFac = c.rdFac
		got, err := (&FS{shape: shape}).SuggestClass(c.hint)
		want, werr := placement.DefaultClass(c.t, c.h, shape)
		if err != nil || werr != nil || got != want {
			t.Errorf("%q at rd_fac %d: %v, %v; want %v", c.hint, c.rdFac, got, err, want)
		}
		if name, _ := placement.ID2Name(got); c.name != "" && name != c.name {
			t.Errorf("%q: %s, want %s", c.hint, name, c.name)
		}
	}
	for _, bad := range []string{"", "file", "file:", "file:huge", "link:single", "single", strings.Repeat("x", 200)} {
		if _, err := (&FS{shape: shape}).SuggestClass(bad); !errors.Is(err, syscall.EINVAL) {
			t.Errorf("%q: %v, want EINVAL", bad, err)
		}
	}
}
