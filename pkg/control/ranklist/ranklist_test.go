package ranklist

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseAndPrint(t *testing.T) {
	for in, want := range map[string]string{
		"":           "",
		"[]":         "",
		"0":          "0",
		"0-3,5":      "0-3,5",
		"[5,0-3]":    "0-3,5",
		"3,2,1,1":    "1-3",
		" 7 , 9-10 ": "7,9-10",
		"0-2,4-6,3":  "0-6",
		"4294967294": "4294967294",
	} {
		s, err := Parse(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, s.String(), in)
	}
	s, _ := Parse("1-2,9")
	assert.Equal(t, []uint32{1, 2, 9}, s.Ranks())
	assert.True(t, s.Contains(9))
	assert.False(t, s.Contains(3))
	assert.Equal(t, "[1-2,9]", s.RangedString())
	s.Add(3)
	assert.Equal(t, "1-3,9", s.String())
	assert.Equal(t, "0,2", Of(2, 0, 2).String())
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{"a", "1-", "-1", "3-1", "1,,2", "4294967295", "1-2-3", "0-4000000000", "1.5"} {
		_, err := Parse(in)
		assert.Error(t, err, in)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"0-3,5", "[1]", "", "9-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := Parse(in)
		if err != nil {
			return
		}
		again, err := Parse(s.String())
		if err != nil || again.String() != s.String() {
			t.Fatalf("%q printed as %q does not parse back: %v", in, s.String(), err)
		}
	})
}
