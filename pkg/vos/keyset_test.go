package vos

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func names(s *akeySet) []string {
	var out []string
	s.Ascend(func(a *akey) bool {
		out = append(out, a.name)
		return true
	})
	return out
}

func TestAkeySetThroughOneAndMany(t *testing.T) {
	var s akeySet
	require.Zero(t, s.Len())
	s.ReplaceOrInsert(&akey{name: "m"})
	require.Equal(t, []string{"m"}, names(&s))
	require.NotNil(t, s.one, "a single akey is kept without a slice")
	s.ReplaceOrInsert(&akey{name: "c"})
	s.ReplaceOrInsert(&akey{name: "x"})
	s.ReplaceOrInsert(&akey{name: "c"}) // replaces
	require.Equal(t, []string{"c", "m", "x"}, names(&s))
	require.Equal(t, 3, s.Len())
	var desc []string
	s.Descend(func(a *akey) bool { desc = append(desc, a.name); return true })
	require.Equal(t, []string{"x", "m", "c"}, desc)
	var from []string
	s.AscendGreaterOrEqual(&akey{name: "d"}, func(a *akey) bool { from = append(from, a.name); return true })
	require.Equal(t, []string{"m", "x"}, from)
	got, ok := s.getName("x")
	require.True(t, ok)
	require.Equal(t, "x", got.name)
	_, ok = s.getName("nope")
	require.False(t, ok)

	s.Delete(&akey{name: "m"})
	s.Delete(&akey{name: "nope"})
	s.Delete(&akey{name: "c"})
	require.Equal(t, []string{"x"}, names(&s))
	require.NotNil(t, s.one, "back to one akey, back to no slice")
	s.Delete(&akey{name: "x"})
	require.Zero(t, s.Len())
	require.Empty(t, names(&s))
	require.False(t, s.Has(&akey{name: "x"}))
}
