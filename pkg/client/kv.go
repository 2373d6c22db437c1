package client

import (
	"context"
	"errors"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/vos"
)

// Conditions of the flat KV API (daos_kv.h): the object API's dkey
// conditions under the KV's names.
const (
	CondKeyRemove = daos.CondPunch      // DAOS_COND_KEY_REMOVE: remove only an existing key
	CondKeyInsert = daos.CondDkeyInsert // DAOS_COND_KEY_INSERT: put only a new key
	CondKeyUpdate = daos.CondDkeyUpdate // DAOS_COND_KEY_UPDATE: put only an existing key
	CondKeyGet    = daos.CondDkeyFetch  // DAOS_COND_KEY_GET: a missing key is DER_NONEXIST
)

// kvAkey is the one akey under every KV dkey. DAOS's dc_kv stores a key
// as the dkey (the key's bytes, no NUL) with a single value under the
// 1-byte akey "0"; a C program reading our KV objects through the object
// API, or the reverse, sees the same layout.
var kvAkey = []byte{'0'}

// KV is a flat key-value object (daos_kv_*): each key is a dkey holding
// one single value.
type KV struct {
	obj *Object
}

// OpenKV opens oid as a flat KV (daos_kv_open); there is no create step.
// The oid must be of a KV type (DAOS_OT_KV_*), as DAOS requires.
func (c *Container) OpenKV(oid daos.ObjectID) (*KV, error) {
	if !placement.OIDType(oid).IsKV() {
		return nil, daos.Errorf(daos.ErrInval, "object %s is of type %d, not a KV type", oid, placement.OIDType(oid))
	}
	o, err := c.Object(oid)
	if err != nil {
		return nil, err
	}
	return &KV{obj: o}, nil
}

// Object is the KV's underlying object.
func (kv *KV) Object() *Object { return kv.obj }

func kvKey(key string) ([]byte, error) {
	if len(key) == 0 || len(key) > vos.MaxKeyBytes {
		return nil, daos.Errorf(daos.ErrInval, "KV key of %d bytes (want 1 to %d)", len(key), vos.MaxKeyBytes)
	}
	return []byte(key), nil
}

// Put sets key to value, replacing the whole previous value
// (daos_kv_put). An empty value is DER_INVAL, as in DAOS: a zero size
// would read back as a missing key.
func (kv *KV) Put(ctx context.Context, key string, value []byte, flags daos.CondFlags) error {
	dk, err := kvKey(key)
	if err != nil {
		return err
	}
	if len(value) == 0 {
		return daos.Errorf(daos.ErrInval, "KV put of %q: empty value", key)
	}
	iod := daos.IOD{Name: kvAkey, Type: daos.IODSingle, Size: uint64(len(value))}
	_, err = kv.obj.Update(ctx, dk, []daos.IOD{iod}, [][]byte{value}, flags)
	return err
}

// Get reads key's value into buf and returns its size (daos_kv_get). An
// empty buf asks for the size only. A missing key is size 0 and no error,
// unless flags hold CondKeyGet (DER_NONEXIST). A value larger than buf is
// DER_REC2BIG, returned with the size needed.
func (kv *KV) Get(ctx context.Context, key string, buf []byte, flags daos.CondFlags) (uint64, error) {
	dk, err := kvKey(key)
	if err != nil {
		return 0, err
	}
	var size uint64
	if len(buf) == 0 {
		sizes, err := kv.obj.Sizes(ctx, daos.EpochMax, dk, []daos.IOD{{Name: kvAkey, Type: daos.IODSingle}})
		if err != nil {
			return 0, err
		}
		size = sizes[0]
	} else {
		iod := daos.IOD{Name: kvAkey, Type: daos.IODSingle, Size: uint64(len(buf))}
		sizes, err := kv.obj.Fetch(ctx, daos.EpochMax, dk, []daos.IOD{iod}, [][]byte{buf}, flags&^CondKeyGet)
		if errors.Is(err, daos.ErrRec2big) {
			// Tell the caller how much room it needs, as DAOS does.
			if s, serr := kv.obj.Sizes(ctx, daos.EpochMax, dk, []daos.IOD{{Name: kvAkey, Type: daos.IODSingle}}); serr == nil {
				return s[0], err
			}
		}
		if err != nil {
			return 0, err
		}
		size = sizes[0]
	}
	// Values are never empty, so size 0 is a missing key; checked here
	// rather than by the engine so a size query honours the flag too.
	if size == 0 && flags&CondKeyGet != 0 {
		return 0, daos.Errorf(daos.ErrNonexist, "KV key %q does not exist", key)
	}
	return size, nil
}

// Remove deletes key (daos_kv_remove): its dkey is punched.
func (kv *KV) Remove(ctx context.Context, key string, flags daos.CondFlags) error {
	dk, err := kvKey(key)
	if err != nil {
		return err
	}
	return kv.obj.PunchDkeys(ctx, [][]byte{dk}, flags)
}

// List returns up to max keys after anchor and advances it
// (daos_kv_list); anchor.EOF says the listing is complete. Every key is
// returned once across calls, in no particular order.
func (kv *KV) List(ctx context.Context, anchor *Anchor, max int) ([]string, error) {
	if max <= 0 {
		return nil, daos.Errorf(daos.ErrInval, "KV list of %d keys", max)
	}
	keys, err := kv.obj.ListDkeys(ctx, daos.EpochMax, anchor, max)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = string(k)
	}
	return out, nil
}

// Destroy punches the whole KV object (daos_kv_destroy).
func (kv *KV) Destroy(ctx context.Context) error { return kv.obj.Punch(ctx) }
