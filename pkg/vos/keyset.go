package vos

import (
	"slices"
	"sort"

	"github.com/google/btree"
)

// akeySet holds a dkey's akeys in name order, and the dkey's punches.
// Most dkeys have exactly one akey and no punch: that akey is kept without
// a slice, and everything rarer (two or more akeys, punches) goes to one
// out-of-line struct, which keeps the dkey at 32 bytes. The methods mirror
// the B-tree's so callers treat both alike.
type akeySet struct {
	one  *akey        // the only akey, when there is exactly one
	more *akeySetMore // nil unless there are two or more akeys or punches
}

type akeySetMore struct {
	many    []*akey // every akey in name order, when there are two or more
	punches []stamp // the dkey's punches
}

// items is the set as a slice; for a single akey it is backed by one.
func (s *akeySet) items(one *[1]*akey) []*akey {
	switch {
	case s.one != nil:
		one[0] = s.one
		return one[:]
	case s.more != nil:
		return s.more.many
	default:
		return nil
	}
}

func (s *akeySet) punches() []stamp {
	if s.more == nil {
		return nil
	}
	return s.more.punches
}

func (s *akeySet) setPunches(ps []stamp) {
	if s.more == nil {
		if len(ps) == 0 {
			return
		}
		s.more = &akeySetMore{}
	}
	s.more.punches = ps
	s.dropEmptyMore()
}

func (s *akeySet) setMany(items []*akey) {
	if s.more == nil {
		if len(items) == 0 {
			return
		}
		s.more = &akeySetMore{}
	}
	s.more.many = items
	s.dropEmptyMore()
}

func (s *akeySet) dropEmptyMore() {
	if len(s.more.many) == 0 && len(s.more.punches) == 0 {
		s.more = nil
	}
}

func search(items []*akey, name string) (int, bool) {
	i := sort.Search(len(items), func(i int) bool { return items[i].name >= name })
	return i, i < len(items) && items[i].name == name
}

func (s *akeySet) getName(name string) (*akey, bool) {
	if s.one != nil {
		return s.one, s.one.name == name
	}
	if s.more == nil {
		return nil, false
	}
	if i, ok := search(s.more.many, name); ok {
		return s.more.many[i], true
	}
	return nil, false
}

func (s *akeySet) Get(a *akey) (*akey, bool) {
	if got, ok := s.getName(a.name); ok {
		return got, true
	}
	return nil, false
}

func (s *akeySet) Has(a *akey) bool {
	_, ok := s.getName(a.name)
	return ok
}

func (s *akeySet) ReplaceOrInsert(a *akey) {
	var items []*akey
	switch {
	case s.one == nil && s.Len() == 0:
		s.one = a
		return
	case s.one != nil:
		if s.one.name == a.name {
			s.one = a
			return
		}
		items = []*akey{s.one}
		s.one = nil
	default:
		items = s.more.many
	}
	i, ok := search(items, a.name)
	if ok {
		items[i] = a
		return
	}
	s.setMany(slices.Insert(items, i, a))
}

func (s *akeySet) Delete(a *akey) {
	if s.one != nil {
		if s.one.name == a.name {
			s.one = nil
		}
		return
	}
	if s.more == nil {
		return
	}
	items := s.more.many
	i, ok := search(items, a.name)
	if !ok {
		return
	}
	items = slices.Delete(items, i, i+1)
	if len(items) == 1 {
		s.one, items = items[0], nil
	}
	s.setMany(items)
}

func (s *akeySet) Len() int {
	switch {
	case s.one != nil:
		return 1
	case s.more != nil:
		return len(s.more.many)
	default:
		return 0
	}
}

func (s *akeySet) Ascend(f btree.ItemIteratorG[*akey]) {
	var one [1]*akey
	for _, a := range s.items(&one) {
		if !f(a) {
			return
		}
	}
}

func (s *akeySet) Descend(f btree.ItemIteratorG[*akey]) {
	var one [1]*akey
	items := s.items(&one)
	for i := len(items) - 1; i >= 0; i-- {
		if !f(items[i]) {
			return
		}
	}
}

func (s *akeySet) AscendGreaterOrEqual(pivot *akey, f btree.ItemIteratorG[*akey]) {
	var one [1]*akey
	items := s.items(&one)
	i, _ := search(items, pivot.name)
	for _, a := range items[i:] {
		if !f(a) {
			return
		}
	}
}
