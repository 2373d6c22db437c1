package system

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/daos-go/daos/pkg/daos"
)

// Database is the management service's record. It changes only through
// Apply, which is deterministic: replicas applying the same commands in
// the same order hold the same record. Reads are safe concurrently with
// Apply.
type Database struct {
	mu sync.RWMutex
	st record
}

// record is everything the database holds; it is also the snapshot
// format (JSON), so fields are only ever added.
type record struct {
	Members    map[uint32]*Member   `json:"members"`
	NextRank   uint32               `json:"next_rank"`
	MapVersion uint32               `json:"map_version"`
	Attrs      map[string]string    `json:"attrs"`
	Props      map[string]string    `json:"props"`
	Pools      map[string]*PoolInfo `json:"pools"`
	// Applied counts applied commands (the data version clients see).
	Applied uint64 `json:"applied"`
	// SystemKey is the engines' peer key (see SystemKey); set once.
	SystemKey []byte `json:"system_key,omitempty"`
}

// PoolInfo is a pool directory entry.
type PoolInfo struct {
	UUID    string   `json:"uuid"`
	Label   string   `json:"label"`
	SvcReps []uint32 `json:"svc_reps"`
	State   string   `json:"state"`
	// Ranks hold the pool's targets; TierBytes is per rank, per tier.
	Ranks        []uint32 `json:"ranks,omitempty"`
	TierBytes    []uint64 `json:"tier_bytes,omitempty"`
	MemFileBytes uint64   `json:"mem_file_bytes,omitempty"`
	// CreateStart (the adding leader's clock) and CreatorEngines (that
	// leader's engines, which drive the create) let a later leader that
	// finds the entry still Creating tell whether that create can still
	// be running: not past a time bound, nor once those engines have
	// restarted or left.
	CreateStart    time.Time         `json:"create_start,omitzero"`
	CreatorEngines []RankIncarnation `json:"creator_engines,omitempty"`
}

// RankIncarnation names one run of a rank's engine.
type RankIncarnation struct {
	Rank        uint32 `json:"rank"`
	Incarnation uint64 `json:"incarnation"`
}

// NewDatabase makes an empty record.
func NewDatabase() *Database {
	return &Database{st: emptyRecord()}
}

func emptyRecord() record {
	return record{
		Members: map[uint32]*Member{},
		Attrs:   map[string]string{},
		Props:   map[string]string{},
		Pools:   map[string]*PoolInfo{},
	}
}

// Command is one change to the database, as it travels through the
// replicated log. Time is set by whoever proposes it, so that replicas
// record the same update times.
type Command struct {
	Op    string            `json:"op"`
	Time  time.Time         `json:"time"`
	Join  *JoinRequest      `json:"join,omitempty"`
	State *StateChange      `json:"state,omitempty"`
	KV    map[string]string `json:"kv,omitempty"`
	Pool  *PoolInfo         `json:"pool,omitempty"`
	// Key is OpInitKey's key; the proposer draws it, so replicas agree.
	Key []byte `json:"key,omitempty"`
}

// Command operations.
const (
	OpJoin     = "join"
	OpState    = "state"
	OpSetAttrs = "set_attrs"
	OpSetProps = "set_props"
	// OpInitKey sets the system key unless one is set: the first wins,
	// so concurrent proposers end up with the same key.
	OpInitKey = "init_system_key"
)

// SystemKeyLen is the size of the system key.
const SystemKeyLen = 32

// Encode serializes c for the log.
func (c *Command) Encode() ([]byte, error) { return json.Marshal(c) }

// DecodeCommand reads a logged command.
func DecodeCommand(b []byte) (*Command, error) {
	c := &Command{}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("decode management command: %w", err)
	}
	return c, nil
}

// Apply executes a command and returns its result: *JoinResult for a
// join, []StateResult for a state change, nil otherwise, or an error the
// command was refused with (a refused command changes nothing).
func (db *Database) Apply(c *Command) any {
	db.mu.Lock()
	defer db.mu.Unlock()
	var res any
	switch c.Op {
	case OpJoin:
		if c.Join == nil {
			return daos.Errorf(daos.ErrInval, "join command without a request")
		}
		res = db.st.join(c.Join, c.Time)
	case OpState:
		if c.State == nil {
			return daos.Errorf(daos.ErrInval, "state command without a change")
		}
		res = db.st.changeState(c.State, c.Time)
	case OpSetAttrs:
		for k, v := range c.KV {
			if v == "" {
				delete(db.st.Attrs, k)
			} else {
				db.st.Attrs[k] = v
			}
		}
	case OpSetProps:
		if err := checkProps(c.KV); err != nil {
			return err
		}
		maps.Copy(db.st.Props, c.KV)
	case OpInitKey:
		if len(c.Key) != SystemKeyLen {
			return daos.Errorf(daos.ErrInval, "system key of %d bytes, want %d", len(c.Key), SystemKeyLen)
		}
		if len(db.st.SystemKey) != 0 {
			return nil // kept: a key never changes
		}
		db.st.SystemKey = slices.Clone(c.Key)
	case OpPoolAdd, OpPoolUpdate, OpPoolRemove:
		if err := db.st.applyPool(c.Op, c.Pool); err != nil {
			return err
		}
	default:
		return daos.Errorf(daos.ErrInval, "unknown management command %q", c.Op)
	}
	if _, failed := res.(error); !failed {
		db.st.Applied++
	}
	return res
}

// Snapshot serializes the whole record.
func (db *Database) Snapshot() ([]byte, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return json.Marshal(&db.st)
}

// Restore replaces the record with a snapshot's.
func (db *Database) Restore(b []byte) error {
	st := emptyRecord()
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("restore management database: %w", err)
	}
	for r, m := range st.Members {
		if m == nil || m.Rank != r {
			return fmt.Errorf("restore management database: member entry %d is inconsistent", r)
		}
	}
	db.mu.Lock()
	db.st = st
	db.mu.Unlock()
	return nil
}

// SystemKey is a copy of the key engines prove to each other before
// sending engine-only opcodes (pkg/rpc peer authentication), nil until
// OpInitKey sets it. It is a secret: it goes only to joining servers.
func (db *Database) SystemKey() []byte {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return slices.Clone(db.st.SystemKey)
}

// MapVersion is the system map version.
func (db *Database) MapVersion() uint32 {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return db.st.MapVersion
}

// DataVersion counts the commands applied.
func (db *Database) DataVersion() uint64 {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return db.st.Applied
}

// Members returns copies of all members in rank order.
func (db *Database) Members() []*Member {
	db.mu.RLock()
	defer db.mu.RUnlock()
	out := make([]*Member, 0, len(db.st.Members))
	for _, m := range db.st.Members {
		out = append(out, m.clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Rank < out[j].Rank })
	return out
}

// Member returns a copy of one member.
func (db *Database) Member(rank uint32) (*Member, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	m, ok := db.st.Members[rank]
	if !ok {
		return nil, daos.Errorf(daos.ErrNonexist, "rank %d is not a member of the system", rank)
	}
	return m.clone(), nil
}

// GroupEntry is one rank of the engines' group map.
type GroupEntry struct {
	Rank        uint32
	URI         string
	Incarnation uint64
}

// GroupMap lists the ranks engines should reach (every member except
// those awaiting format or excluded), with the map version.
func (db *Database) GroupMap() (uint32, []GroupEntry) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	var out []GroupEntry
	for _, m := range db.st.Members {
		if m.State.inGroupMap() {
			out = append(out, GroupEntry{Rank: m.Rank, URI: m.URI, Incarnation: m.Incarnation})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Rank < out[j].Rank })
	return db.st.MapVersion, out
}

// Attrs returns the system attributes named, or all when keys is empty.
// A missing key is an error (DER_NONEXIST).
func (db *Database) Attrs(keys []string) (map[string]string, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return pick(db.st.Attrs, keys, "system attribute")
}

// Pools returns the pool directory in label order.
func (db *Database) Pools() []PoolInfo {
	db.mu.RLock()
	defer db.mu.RUnlock()
	out := make([]PoolInfo, 0, len(db.st.Pools))
	for _, p := range db.st.Pools {
		c := *p
		c.SvcReps = slices.Clone(p.SvcReps)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}

func pick(all map[string]string, keys []string, what string) (map[string]string, error) {
	if len(keys) == 0 {
		return maps.Clone(all), nil
	}
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		v, ok := all[k]
		if !ok {
			return nil, daos.Errorf(daos.ErrNonexist, "%s %q is not set", what, k)
		}
		out[k] = v
	}
	return out, nil
}
