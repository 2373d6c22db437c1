package vos

import (
	"sort"

	"github.com/google/btree"
)

// akeySet holds a dkey's akeys in name order. Most dkeys have one or a few
// akeys, for which a sorted slice is smaller and faster than a B-tree; its
// methods mirror the B-tree's so callers treat both alike.
type akeySet struct{ items []*akey }

func (s *akeySet) search(name string) (int, bool) {
	i := sort.Search(len(s.items), func(i int) bool { return s.items[i].name >= name })
	return i, i < len(s.items) && s.items[i].name == name
}

func (s *akeySet) getName(name string) (*akey, bool) {
	if i, ok := s.search(name); ok {
		return s.items[i], true
	}
	return nil, false
}

func (s *akeySet) Get(a *akey) (*akey, bool) { return s.getName(a.name) }

func (s *akeySet) Has(a *akey) bool {
	_, ok := s.search(a.name)
	return ok
}

func (s *akeySet) ReplaceOrInsert(a *akey) {
	i, ok := s.search(a.name)
	if ok {
		s.items[i] = a
		return
	}
	s.items = append(s.items, nil)
	copy(s.items[i+1:], s.items[i:])
	s.items[i] = a
}

func (s *akeySet) Delete(a *akey) {
	if i, ok := s.search(a.name); ok {
		s.items = append(s.items[:i], s.items[i+1:]...)
	}
}

func (s *akeySet) Len() int { return len(s.items) }

func (s *akeySet) Ascend(f btree.ItemIteratorG[*akey]) {
	for _, a := range s.items {
		if !f(a) {
			return
		}
	}
}

func (s *akeySet) Descend(f btree.ItemIteratorG[*akey]) {
	for i := len(s.items) - 1; i >= 0; i-- {
		if !f(s.items[i]) {
			return
		}
	}
}

func (s *akeySet) AscendGreaterOrEqual(pivot *akey, f btree.ItemIteratorG[*akey]) {
	i, _ := s.search(pivot.name)
	for _, a := range s.items[i:] {
		if !f(a) {
			return
		}
	}
}
