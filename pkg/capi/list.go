package capi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"sync"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

// Anchor is a key listing's position in the form daos_anchor_t can hold
// (104 private bytes): the group reached and the last key returned there.
// A key too long to keep there is kept by this process (longKeys), and the
// anchor holds its digest (and a prefix, for people reading dumps). Keys
// are in hash order in most objects, so a prefix alone cannot say where
// to resume.
type Anchor struct {
	Group int
	Key   []byte // nil at the start
	Long  bool   // Key is only a prefix of the last key, Sum its digest
	Sum   [sha256.Size]byte
	EOF   bool
	// OneGroup limits the listing to Group (daos_obj_anchor_set).
	OneGroup bool
}

// AnchorInline is the longest key an Anchor keeps whole; AnchorPrefix how
// much of a longer one it keeps.
const (
	AnchorInline = 100
	AnchorPrefix = 68
)

func (l *Lib) anchorAt(group int, key []byte) Anchor {
	if len(key) <= AnchorInline {
		return Anchor{Group: group, Key: bytes.Clone(key)}
	}
	sum := sha256.Sum256(key)
	l.longKeys.remember(sum, key)
	return Anchor{Group: group, Key: bytes.Clone(key[:AnchorPrefix]), Long: true, Sum: sum}
}

// resume is the key an anchor names, from this process's memory of long
// keys when it holds a digest.
func (l *Lib) resume(a Anchor) ([]byte, error) {
	if !a.Long {
		return a.Key, nil
	}
	k, ok := l.longKeys.recall(a.Sum)
	if !ok {
		return nil, daos.Errorf(daos.ErrInval, "list: the anchor names a key of more than %d bytes this process no longer remembers (it keeps the last %d)", AnchorInline, maxLongKeys)
	}
	return k, nil
}

// maxLongKeys bounds the long keys anchors refer to: one per listing in
// progress is enough, and a listing that is dropped leaves one behind.
const maxLongKeys = 4096

// longKeyMemory maps digests to the long keys anchors ended on, forgetting
// the oldest beyond maxLongKeys.
type longKeyMemory struct {
	mu    sync.Mutex
	keys  map[[sha256.Size]byte][]byte
	order [][sha256.Size]byte
}

func (m *longKeyMemory) remember(sum [sha256.Size]byte, key []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.keys == nil {
		m.keys = map[[sha256.Size]byte][]byte{}
	}
	if _, ok := m.keys[sum]; ok {
		return
	}
	if len(m.order) >= maxLongKeys {
		delete(m.keys, m.order[0])
		m.order = m.order[1:]
	}
	m.keys[sum] = bytes.Clone(key)
	m.order = append(m.order, sum)
}

func (m *longKeyMemory) recall(sum [sha256.Size]byte) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[sum]
	return k, ok
}

// Listing is one page of keys.
type Listing struct {
	Keys [][]byte
	Next Anchor
	// Need is the length of the first key when it alone did not fit
	// (the listing then fails with DER_KEY2BIG).
	Need int
}

// ListDkeys lists up to max dkeys of o after a whose bytes add up to at
// most room (daos_obj_list_dkey, daos_kv_list).
func (l *Lib) ListDkeys(ctx context.Context, o *client.Object, a Anchor, max, room int) (Listing, error) {
	if a.EOF {
		return Listing{Next: a}, nil
	}
	if max <= 0 {
		return Listing{}, daos.Errorf(daos.ErrInval, "list: room for %d keys", max)
	}
	lay, err := o.Layout()
	if err != nil {
		return Listing{}, err
	}
	from, err := l.resume(a)
	if err != nil {
		return Listing{}, err
	}
	ca := &client.Anchor{Group: a.Group, Key: from, OneGroup: a.OneGroup}
	out := Listing{Next: a}
	used := 0
	for {
		keys, err := o.ListDkeys(ctx, daos.EpochMax, ca, max-len(out.Keys))
		if err != nil {
			return Listing{}, err
		}
		for _, k := range keys {
			if used+len(k) > room {
				if len(out.Keys) == 0 {
					return Listing{Next: a, Need: len(k)}, daos.Errorf(daos.ErrKey2big, "list: a key of %d bytes does not fit %d", len(k), room)
				}
				return out, nil
			}
			out.Keys = append(out.Keys, k)
			used += len(k)
			out.Next = l.anchorAt(lay.GroupOfDkey(k), k)
			out.Next.OneGroup = a.OneGroup
			if len(out.Keys) == max {
				return out, nil
			}
		}
		if ca.EOF {
			out.Next = Anchor{EOF: true}
			return out, nil
		}
	}
}

// ListAkeys is ListDkeys for the akeys of dkey (daos_obj_list_akey). The
// akeys of a dkey live on one shard and come whole; the anchor is where
// the previous page ended among them.
func (l *Lib) ListAkeys(ctx context.Context, o *client.Object, dkey []byte, a Anchor, max, room int) (Listing, error) {
	if a.EOF {
		return Listing{Next: a}, nil
	}
	if max <= 0 {
		return Listing{}, daos.Errorf(daos.ErrInval, "list: room for %d keys", max)
	}
	all, err := o.ListAkeys(ctx, daos.EpochMax, dkey)
	if err != nil {
		return Listing{}, err
	}
	start := 0
	if a.Key != nil {
		// Resume after the anchor's key. The akeys come whole in the
		// engine's order, which is not byte order for hashed keys: if the
		// key is gone, the listing cannot tell what it has returned.
		start = -1
		for i, k := range all {
			if (a.Long && sha256.Sum256(k) == a.Sum) || (!a.Long && bytes.Equal(k, a.Key)) {
				start = i + 1
				break
			}
		}
		if start < 0 {
			return Listing{}, daos.Errorf(daos.ErrInval, "list akeys: the anchor's akey was removed during the listing; start again")
		}
	}
	out := Listing{Next: a}
	used := 0
	for _, k := range all[start:] {
		if used+len(k) > room {
			if len(out.Keys) == 0 {
				return Listing{Next: a, Need: len(k)}, daos.Errorf(daos.ErrKey2big, "list: a key of %d bytes does not fit %d", len(k), room)
			}
			return out, nil
		}
		out.Keys = append(out.Keys, k)
		used += len(k)
		out.Next = l.anchorAt(0, k)
		if len(out.Keys) == max {
			if start+len(out.Keys) == len(all) {
				out.Next = Anchor{EOF: true}
			}
			return out, nil
		}
	}
	out.Next = Anchor{EOF: true}
	return out, nil
}

// AnchorSplit is daos_obj_anchor_split for an object of groups groups:
// one anchor per group, each listing its group only. want is the number
// asked for (0: the one recommended); any other number than the groups' is
// DER_INVAL, as in DAOS.
func AnchorSplit(groups, want int) ([]Anchor, error) {
	n := groups
	if want != 0 && want != n {
		return nil, daos.Errorf(daos.ErrInval, "anchor split: %d anchors asked, the object splits into %d (its groups)", want, n)
	}
	out := make([]Anchor, n)
	for i := range out {
		out[i] = Anchor{Group: i, OneGroup: true}
	}
	return out, nil
}

// AnchorAt is daos_obj_anchor_set: an anchor listing group index only.
func AnchorAt(groups, index int) (Anchor, error) {
	if n := groups; index < 0 || index >= n {
		return Anchor{}, daos.Errorf(daos.ErrInval, "anchor set: index %d, the object has %d groups", index, n)
	}
	return Anchor{Group: index, OneGroup: true}, nil
}
