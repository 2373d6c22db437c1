package capi

import (
	"bytes"
	"context"
	"crypto/sha256"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

// Anchor is a key listing's position in the form daos_anchor_t can hold
// (104 private bytes): the group reached and the last key returned there.
// A key too long to keep is kept as a prefix and a digest; listing resumes
// after the prefix and skips the keys up to the one with that digest
// (every key after the prefix and up to the whole key starts with the
// prefix, keys being in byte order).
type Anchor struct {
	Group int
	Key   []byte // nil at the start
	Long  bool   // Key is only a prefix of the last key, Sum its digest
	Sum   [sha256.Size]byte
	EOF   bool
}

// AnchorInline is the longest key an Anchor keeps whole; AnchorPrefix how
// much of a longer one it keeps.
const (
	AnchorInline = 100
	AnchorPrefix = 68
)

func anchorAt(group int, key []byte) Anchor {
	if len(key) <= AnchorInline {
		return Anchor{Group: group, Key: bytes.Clone(key)}
	}
	return Anchor{Group: group, Key: bytes.Clone(key[:AnchorPrefix]), Long: true, Sum: sha256.Sum256(key)}
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
func ListDkeys(ctx context.Context, o *client.Object, a Anchor, max, room int) (Listing, error) {
	if a.EOF {
		return Listing{Next: a}, nil
	}
	if max <= 0 {
		return Listing{}, daos.Errorf(daos.ErrInval, "list: room for %d keys", max)
	}
	l, err := o.Layout()
	if err != nil {
		return Listing{}, err
	}
	ca := &client.Anchor{Group: a.Group, Key: a.Key}
	skipping := a.Long
	out := Listing{Next: a}
	used := 0
	for {
		keys, err := o.ListDkeys(ctx, daos.EpochMax, ca, max-len(out.Keys))
		if err != nil {
			return Listing{}, err
		}
		for _, k := range keys {
			if skipping {
				if bytes.HasPrefix(k, a.Key) {
					skipping = sha256.Sum256(k) != a.Sum
					continue
				}
				skipping = false
			}
			if used+len(k) > room {
				if len(out.Keys) == 0 {
					return Listing{Next: a, Need: len(k)}, daos.Errorf(daos.ErrKey2big, "list: a key of %d bytes does not fit %d", len(k), room)
				}
				return out, nil
			}
			out.Keys = append(out.Keys, k)
			used += len(k)
			out.Next = anchorAt(l.GroupOfDkey(k), k)
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
func ListAkeys(ctx context.Context, o *client.Object, dkey []byte, a Anchor, max, room int) (Listing, error) {
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
		// Resume after the anchor's key; keys are in order, so the first
		// key past it is where to go on if it was removed meanwhile.
		start = len(all)
		for i, k := range all {
			if a.Long && bytes.HasPrefix(k, a.Key) {
				if sha256.Sum256(k) == a.Sum {
					start = i + 1
					break
				}
				continue
			}
			if !a.Long && bytes.Equal(k, a.Key) {
				start = i + 1
				break
			}
			if bytes.Compare(k, a.Key) > 0 {
				start = i
				break
			}
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
		out.Next = anchorAt(0, k)
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
