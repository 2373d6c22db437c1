package poolsvc

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/daos-go/daos/pkg/placement"
)

// Command operations.
const (
	OpCreate       = "create"
	OpConnect      = "connect"
	OpDisconnect   = "disconnect"
	OpEvict        = "evict"
	OpSetProps     = "set_props"
	OpSetOwner     = "set_owner"
	OpSetAttrs     = "set_attrs"
	OpDelAttrs     = "del_attrs"
	OpACLOverwrite = "acl_overwrite"
	OpACLUpdate    = "acl_update"
	OpACLDelete    = "acl_delete"
	OpMapUpdate    = "map_update"
	OpDestroyBegin = "destroy_begin"

	OpContCreate   = "cont_create"
	OpContDestroy  = "cont_destroy"
	OpContOpen     = "cont_open"
	OpContClose    = "cont_close"
	OpContSetProps = "cont_set_props"
	OpContSetAttrs = "cont_set_attrs"
	OpContDelAttrs = "cont_del_attrs"
	OpAllocOIDs    = "alloc_oids"
	OpSnapCreate   = "snap_create"
	OpSnapDestroy  = "snap_destroy"
	// OpSnapOIT records whether the snapshot at Epoch has an object
	// index table (Flags SnapHasOIT) or no longer has one (0).
	OpSnapOIT = "snap_oit"
)

// SnapHasOIT is OpSnapOIT's flag: the table is complete.
const SnapHasOIT uint64 = 1

// Map update operations (Command.MapOp), CONTROL.md 7.5.
const (
	MapExclude     = "exclude"
	MapDrain       = "drain"
	MapReintegrate = "reintegrate"
	MapExtend      = "extend"
	MapAddIn       = "add_in"
	MapExcludeOut  = "exclude_out"
	MapRebuildDone = "rebuild_done"
)

// Pool connect flags (DAOS_PC_*) and container open flags (DAOS_COO_*).
const (
	FlagRO    uint64 = 1 << 0
	FlagRW    uint64 = 1 << 1
	FlagEX    uint64 = 1 << 2
	FlagForce uint64 = 1 << 3 // DAOS_COO_FORCE: open an UNCLEAN container
	// DAOS_COO_RO_MDSTATS: keep the container's open/close times as they
	// are. This build keeps none, so it changes nothing.
	FlagROMDStats uint64 = 1 << 4
	// DAOS_COO_EVICT: close the other handles the same user has open on
	// the container first; DAOS_COO_EVICT_ALL: everyone's (needs the
	// container's o permission, as daos container evict --all).
	FlagEvict    uint64 = 1 << 5
	FlagEvictAll uint64 = 1 << 6
	// DAOS_COO_NEW_LAYOUT: open with the newest layout. Containers have
	// one layout version here, so it changes nothing.
	FlagNewLayout uint64 = 1 << 7
)

// CreateArgs is the initial state of a pool.
type CreateArgs struct {
	UUID  string `json:"uuid"`
	Label string `json:"label,omitempty"`
	// Owner and Group are user@ / group@ principals; empty means NOBODY@.
	Owner string `json:"owner,omitempty"`
	Group string `json:"group,omitempty"`
	// Props are pool properties by dmg name, values as dmg takes them.
	Props map[string]string `json:"props,omitempty"`
	// ACL is ACE strings; nil means DefaultPoolACL.
	ACL      []string             `json:"acl,omitempty"`
	Ranks    []placement.RankSpec `json:"ranks"`
	SvcRanks []uint32             `json:"svc_ranks"`
}

// ContCreateArgs describes a new container.
type ContCreateArgs struct {
	UUID  string `json:"uuid"`
	Label string `json:"label,omitempty"`
	// Type is the layout type name (POSIX, HDF5, ...); empty is unknown.
	Type  string            `json:"type,omitempty"`
	Props map[string]string `json:"props,omitempty"`
	// Owner/Group default to the pool handle's credential.
	Owner string   `json:"owner,omitempty"`
	Group string   `json:"group,omitempty"`
	ACL   []string `json:"acl,omitempty"`
}

// Command is one change to a pool's state as it travels through the
// replicated log. Which fields matter depends on Op. Time is set by the
// proposer so that every replica records the same times.
type Command struct {
	Op   string    `json:"op"`
	Time time.Time `json:"time"`

	Create     *CreateArgs     `json:"create,omitempty"`
	ContCreate *ContCreateArgs `json:"cont_create,omitempty"`

	// Handle is the pool handle (connect, disconnect) or the container
	// handle (cont_open/close and commands done through an open
	// container); PoolHandle is the pool handle a container command uses.
	Handle     string `json:"handle,omitempty"`
	PoolHandle string `json:"pool_handle,omitempty"`
	Flags      uint64 `json:"flags,omitempty"`
	Cred       Cred   `json:"cred,omitzero"`
	Machine    string `json:"machine,omitempty"`
	Force      bool   `json:"force,omitempty"`

	// Cont names a container by UUID or label.
	Cont string `json:"cont,omitempty"`

	Props map[string]string `json:"props,omitempty"`
	Attrs map[string][]byte `json:"attrs,omitempty"`
	Names []string          `json:"names,omitempty"`
	ACL   []string          `json:"acl,omitempty"`
	// Principal is the ACL entry acl_delete removes.
	Principal string `json:"principal,omitempty"`
	Owner     string `json:"owner,omitempty"`
	Group     string `json:"group,omitempty"`

	MapOp    string                `json:"map_op,omitempty"`
	Targets  []placement.TargetRef `json:"targets,omitempty"`
	NewRanks []placement.RankSpec  `json:"new_ranks,omitempty"`

	Num   uint64 `json:"num,omitempty"`
	Epoch uint64 `json:"epoch,omitempty"`
	Name  string `json:"name,omitempty"`
}

// Encode serializes c for the log.
func (c *Command) Encode() ([]byte, error) { return json.Marshal(c) }

// DecodeCommand reads a logged command.
func DecodeCommand(b []byte) (*Command, error) {
	c := &Command{}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("decode pool service command: %w", err)
	}
	return c, nil
}
