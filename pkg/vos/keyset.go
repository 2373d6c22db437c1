package vos

import (
	"sort"

	"github.com/google/btree"
)

// akeySet holds a dkey's akeys in name order. Most dkeys have exactly one
// akey, which is kept without a slice (a slice would cost its own
// allocation for every dkey); two or more live in a sorted slice. The
// methods mirror the B-tree's so callers treat both alike.
type akeySet struct {
	one  *akey    // the only akey, when there is exactly one
	many *[]*akey // every akey in name order, when there are two or more
}

// items is the set as a slice; for a single akey it is backed by one.
func (s *akeySet) items(one *[1]*akey) []*akey {
	switch {
	case s.one != nil:
		one[0] = s.one
		return one[:]
	case s.many != nil:
		return *s.many
	default:
		return nil
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
	if s.many == nil {
		return nil, false
	}
	if i, ok := search(*s.many, name); ok {
		return (*s.many)[i], true
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
	switch {
	case s.one == nil && s.many == nil:
		s.one = a
		return
	case s.one != nil:
		if s.one.name == a.name {
			s.one = a
			return
		}
		items := []*akey{s.one}
		s.one, s.many = nil, &items
	}
	items := *s.many
	i, ok := search(items, a.name)
	if ok {
		items[i] = a
		return
	}
	items = append(items, nil)
	copy(items[i+1:], items[i:])
	items[i] = a
	*s.many = items
}

func (s *akeySet) Delete(a *akey) {
	if s.one != nil {
		if s.one.name == a.name {
			s.one = nil
		}
		return
	}
	if s.many == nil {
		return
	}
	items := *s.many
	i, ok := search(items, a.name)
	if !ok {
		return
	}
	items = append(items[:i], items[i+1:]...)
	switch len(items) {
	case 0:
		s.many = nil
	case 1:
		s.one, s.many = items[0], nil
	default:
		*s.many = items
	}
}

func (s *akeySet) Len() int {
	switch {
	case s.one != nil:
		return 1
	case s.many != nil:
		return len(*s.many)
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
