package daos

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
)

// ObjectID is a DAOS object id: 128 bits, of which the high 32 carry the
// object type, class and redundancy group count (encoded by the placement
// layer; opaque here).
type ObjectID struct {
	Hi uint64
	Lo uint64
}

// String is DAOS's "hi.lo" form in decimal, as `daos object query` takes it.
func (o ObjectID) String() string { return fmt.Sprintf("%d.%d", o.Hi, o.Lo) }

// Compare orders object ids by (Hi, Lo), as slices.SortFunc wants.
func (o ObjectID) Compare(p ObjectID) int {
	if c := cmp.Compare(o.Hi, p.Hi); c != 0 {
		return c
	}
	return cmp.Compare(o.Lo, p.Lo)
}

// Less orders object ids by (Hi, Lo).
func (o ObjectID) Less(p ObjectID) bool {
	if o.Hi != p.Hi {
		return o.Hi < p.Hi
	}
	return o.Lo < p.Lo
}

// ParseObjectID reads the "hi.lo" form.
func ParseObjectID(s string) (ObjectID, error) {
	hi, lo, ok := strings.Cut(s, ".")
	if !ok {
		return ObjectID{}, Errorf(ErrInval, "object id %q: want HI.LO", s)
	}
	h, err := strconv.ParseUint(hi, 10, 64)
	if err != nil {
		return ObjectID{}, Errorf(ErrInval, "object id %q: high part: %v", s, err)
	}
	l, err := strconv.ParseUint(lo, 10, 64)
	if err != nil {
		return ObjectID{}, Errorf(ErrInval, "object id %q: low part: %v", s, err)
	}
	return ObjectID{Hi: h, Lo: l}, nil
}

// Epoch is a version stamp: a hybrid logical clock value. Reads at epoch e
// see the newest version at or below e.
type Epoch = uint64

// EpochMax reads the newest version of everything (DAOS_EPOCH_MAX).
const EpochMax Epoch = ^uint64(0)

// Recx is an extent of array records: Nr records from index Idx.
type Recx struct {
	Idx uint64
	Nr  uint64
}

// End is one past the last record.
func (r Recx) End() uint64 { return r.Idx + r.Nr }

// Overlaps reports whether r and s share a record.
func (r Recx) Overlaps(s Recx) bool { return r.Idx < s.End() && s.Idx < r.End() }

func (r Recx) String() string { return fmt.Sprintf("[%d, %d)", r.Idx, r.End()) }

// IODType says how an akey holds its value (daos_iod_type_t).
type IODType uint8

const (
	// IODNone is an unset type.
	IODNone IODType = 0
	// IODSingle is a single value, replaced as a whole.
	IODSingle IODType = 1
	// IODArray is an array of fixed-size records addressed by extent.
	IODArray IODType = 2
)

func (t IODType) String() string {
	switch t {
	case IODSingle:
		return "single"
	case IODArray:
		return "array"
	default:
		return "none"
	}
}

// RecAny as a record or value size asks a fetch to report the size only
// (DAOS_REC_ANY).
const RecAny = 0

// CondFlags are the conditional-operation flags of the object API
// (DAOS_COND_*).
type CondFlags uint64

const (
	// CondPunch: punch only if the key exists.
	CondPunch CondFlags = 1
	// CondDkeyInsert: update only if the dkey does not exist.
	CondDkeyInsert CondFlags = 2
	// CondDkeyUpdate: update only if the dkey exists.
	CondDkeyUpdate CondFlags = 4
	// CondDkeyFetch: fetch only if the dkey exists.
	CondDkeyFetch CondFlags = 8
	// CondAkeyInsert: update only if the akey does not exist.
	CondAkeyInsert CondFlags = 16
	// CondAkeyUpdate: update only if the akey exists.
	CondAkeyUpdate CondFlags = 32
	// CondAkeyFetch: fetch only if the akey exists.
	CondAkeyFetch CondFlags = 64
	// CondPerAkey: take the akey conditions from each IOD's Flags.
	CondPerAkey CondFlags = 128
)

// IOD describes the I/O on one akey (daos_iod_t).
type IOD struct {
	// Name is the akey.
	Name []byte
	Type IODType
	// Size is the record size for arrays, the value size for single
	// values; RecAny in a fetch asks for the size.
	Size uint64
	// Recxs are the array extents; empty for single values.
	Recxs []Recx
	// Flags are per-akey conditions, used when the call has CondPerAkey.
	Flags CondFlags
}

// QueryFlags select what a key query returns (DAOS_GET_*).
type QueryFlags uint32

const (
	// GetMax asks for the greatest key or extent.
	GetMax QueryFlags = 1
	// GetMin asks for the least key or extent.
	GetMin QueryFlags = 2
	// GetDkey queries the dkey.
	GetDkey QueryFlags = 4
	// GetAkey queries the akey.
	GetAkey QueryFlags = 8
	// GetRecx queries the array extent.
	GetRecx QueryFlags = 16
	// GetMaxEpoch, alone, asks only for the object's newest change
	// (update or punch): daos_obj_query_max_epoch. Not a DAOS_GET_* bit;
	// it never reaches the C API's flags.
	GetMaxEpoch QueryFlags = 1 << 16
)
