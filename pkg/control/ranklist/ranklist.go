// Package ranklist parses and prints sets of engine ranks written the way
// DAOS's tools write them: "0-3,5" (ranges and single ranks, commas
// between, optionally in square brackets).
package ranklist

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// MaxRanks bounds a parsed set, so a typo like "0-4000000000" is refused
// instead of allocating gigabytes.
const MaxRanks = 1 << 20

// NilRank is "no rank" (DAOS's CRT_NO_RANK / system.NilRank).
const NilRank = math.MaxUint32

// Set is a sorted set of ranks.
type Set struct{ ranks []uint32 }

// Parse reads "0-3,5", "[0-3,5]" or "" (the empty set).
func Parse(expr string) (*Set, error) {
	s := &Set{}
	e := strings.TrimSpace(expr)
	e = strings.TrimSuffix(strings.TrimPrefix(e, "["), "]")
	if strings.TrimSpace(e) == "" {
		return s, nil
	}
	seen := map[uint32]bool{}
	for _, item := range strings.Split(e, ",") {
		item = strings.TrimSpace(item)
		lo, hi, err := parseItem(item)
		if err != nil {
			return nil, fmt.Errorf("rank list %q: %w", expr, err)
		}
		if uint64(hi-lo)+uint64(len(seen)) >= MaxRanks {
			return nil, fmt.Errorf("rank list %q: more than %d ranks", expr, MaxRanks)
		}
		for r := uint64(lo); r <= uint64(hi); r++ {
			if !seen[uint32(r)] {
				seen[uint32(r)] = true
				s.ranks = append(s.ranks, uint32(r))
			}
		}
	}
	slices.Sort(s.ranks)
	return s, nil
}

func parseItem(item string) (lo, hi uint32, err error) {
	if item == "" {
		return 0, 0, fmt.Errorf("empty item")
	}
	a, b, isRange := strings.Cut(item, "-")
	l, err := parseRank(a)
	if err != nil {
		return 0, 0, err
	}
	if !isRange {
		return l, l, nil
	}
	h, err := parseRank(b)
	if err != nil {
		return 0, 0, err
	}
	if h < l {
		return 0, 0, fmt.Errorf("range %q runs backwards", item)
	}
	return l, h, nil
}

func parseRank(s string) (uint32, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
	if err != nil || v == NilRank {
		return 0, fmt.Errorf("%q is not a rank (0 to %d)", s, uint32(NilRank-1))
	}
	return uint32(v), nil
}

// Of makes a set of the given ranks.
func Of(ranks ...uint32) *Set {
	s := &Set{ranks: slices.Clone(ranks)}
	slices.Sort(s.ranks)
	s.ranks = slices.Compact(s.ranks)
	return s
}

// Ranks returns the ranks in ascending order.
func (s *Set) Ranks() []uint32 {
	if s == nil {
		return nil
	}
	return slices.Clone(s.ranks)
}

// Len is the number of ranks.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.ranks)
}

// Contains tells whether r is in the set.
func (s *Set) Contains(r uint32) bool {
	if s == nil {
		return false
	}
	_, ok := slices.BinarySearch(s.ranks, r)
	return ok
}

// Add puts r in the set.
func (s *Set) Add(r uint32) {
	i, ok := slices.BinarySearch(s.ranks, r)
	if !ok {
		s.ranks = slices.Insert(s.ranks, i, r)
	}
}

// String prints the set compactly without brackets: "0-3,5".
func (s *Set) String() string {
	if s == nil || len(s.ranks) == 0 {
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(s.ranks); {
		j := i
		for j+1 < len(s.ranks) && s.ranks[j+1] == s.ranks[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(uint64(s.ranks[i]), 10))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.FormatUint(uint64(s.ranks[j]), 10))
		}
		i = j + 1
	}
	return b.String()
}

// RangedString prints the set in brackets as DAOS's tables do: "[0-3,5]".
func (s *Set) RangedString() string { return "[" + s.String() + "]" }
