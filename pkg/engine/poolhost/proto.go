package poolhost

import (
	"github.com/daos-go/daos/pkg/rpc"
)

// Opcodes of pool hosting between engines and from clients (daos-go's
// range 0x0500xxxx).
const (
	OpTgtCreate  rpc.Opcode = 0x05000001 // create a pool's shards on every target
	OpTgtDestroy rpc.Opcode = 0x05000002 // remove them
	OpSvcStart   rpc.Opcode = 0x05000003 // start this engine's pool service replica
	OpSvcStop    rpc.Opcode = 0x05000004 // stop it and remove its data
	OpPoolApply  rpc.Opcode = 0x05000005 // a client's command for the pool service leader
	OpPoolQuery  rpc.Opcode = 0x05000006 // a read from the pool service leader
	OpTgtQuery   rpc.Opcode = 0x05000007 // space of a pool's shards on an engine
	OpConnect    rpc.Opcode = 0x05000008 // a client connects to a pool
	OpPoolAdmin  rpc.Opcode = 0x05000009 // an engine's command for the pool service leader
	// OpPoolAdminQuery is an engine's read from the pool service leader
	// (OpPoolQuery's reads are a client's, through its handles).
	OpPoolAdminQuery rpc.Opcode = 0x0500000e
)

const (
	maxBody    = 16 << 20
	maxMembers = 1 << 10
)

// UUID is a pool's id.
type UUID [16]byte

// TgtCreateReq creates pool Pool's shards on every target of the engine:
// the engine's share of each tier, split evenly over its targets.
type TgtCreateReq struct {
	Pool      UUID
	SCMBytes  uint64 // per engine
	NVMeBytes uint64 // per engine
}

func (m *TgtCreateReq) EncodeRPC(e *rpc.Encoder) {
	e.PutRaw(m.Pool[:])
	e.PutUint64(m.SCMBytes)
	e.PutUint64(m.NVMeBytes)
}

func (m *TgtCreateReq) DecodeRPC(d *rpc.Decoder) error {
	copy(m.Pool[:], d.Raw(16))
	m.SCMBytes, m.NVMeBytes = d.Uint64(), d.Uint64()
	return d.Err()
}

// TgtCreateResp says how many targets the engine has (the pool map
// records every rank's targets).
type TgtCreateResp struct{ Targets uint32 }

func (m *TgtCreateResp) EncodeRPC(e *rpc.Encoder) { e.PutUint32(m.Targets) }
func (m *TgtCreateResp) DecodeRPC(d *rpc.Decoder) error {
	m.Targets = d.Uint32()
	return d.Err()
}

// PoolReq names a pool (TgtDestroy, SvcStop).
type PoolReq struct{ Pool UUID }

func (m *PoolReq) EncodeRPC(e *rpc.Encoder) { e.PutRaw(m.Pool[:]) }
func (m *PoolReq) DecodeRPC(d *rpc.Decoder) error {
	copy(m.Pool[:], d.Raw(16))
	return d.Err()
}

// Member is a pool service replica: an engine's rank and fabric URI.
type Member struct {
	Rank uint32
	URI  string
}

// SvcStartReq starts this engine's replica of pool Pool's service, one
// of Members.
type SvcStartReq struct {
	Pool    UUID
	Self    uint32
	Members []Member
}

func (m *SvcStartReq) EncodeRPC(e *rpc.Encoder) {
	e.PutRaw(m.Pool[:])
	e.PutUint32(m.Self)
	e.PutUvarint(uint64(len(m.Members)))
	for _, x := range m.Members {
		e.PutUint32(x.Rank)
		e.PutString(x.URI)
	}
}

func (m *SvcStartReq) DecodeRPC(d *rpc.Decoder) error {
	copy(m.Pool[:], d.Raw(16))
	m.Self = d.Uint32()
	n := d.Count(maxMembers, 5)
	if d.Err() != nil {
		return d.Err()
	}
	m.Members = make([]Member, n)
	for i := range m.Members {
		m.Members[i] = Member{Rank: d.Uint32(), URI: d.String(1024)}
	}
	return d.Err()
}

// ServiceReq is a command for, or a read from, a pool's service.
type ServiceReq struct {
	Pool UUID
	Body []byte
}

func (m *ServiceReq) EncodeRPC(e *rpc.Encoder) {
	e.PutRaw(m.Pool[:])
	e.PutBytes(m.Body)
}

func (m *ServiceReq) DecodeRPC(d *rpc.Decoder) error {
	copy(m.Pool[:], d.Raw(16))
	m.Body = d.Bytes(maxBody)
	return d.Err()
}

// ServiceResp answers it: the result, or, from a replica that does not
// lead, where the leader is (LeaderKnown false: an election is on). A
// query's result names its leader too.
type ServiceResp struct {
	// NotHere: this engine hosts no replica of the pool's service.
	NotHere     bool
	NotLeader   bool
	LeaderKnown bool
	LeaderRank  uint32
	LeaderURI   string
	Body        []byte
}

func (m *ServiceResp) EncodeRPC(e *rpc.Encoder) {
	e.PutBool(m.NotHere)
	e.PutBool(m.NotLeader)
	e.PutBool(m.LeaderKnown)
	e.PutUint32(m.LeaderRank)
	e.PutString(m.LeaderURI)
	e.PutBytes(m.Body)
}

func (m *ServiceResp) DecodeRPC(d *rpc.Decoder) error {
	m.NotHere, m.NotLeader, m.LeaderKnown = d.Bool(), d.Bool(), d.Bool()
	m.LeaderRank = d.Uint32()
	m.LeaderURI = d.String(1024)
	m.Body = d.Bytes(maxBody)
	return d.Err()
}

// TargetSpace is one shard's space in bytes.
type TargetSpace struct {
	SCMTotal, SCMFree, NVMeTotal, NVMeFree uint64
}

// TgtQueryResp is the space of a pool's shards on every target of an
// engine.
type TgtQueryResp struct{ Targets []TargetSpace }

func (m *TgtQueryResp) EncodeRPC(e *rpc.Encoder) {
	e.PutUvarint(uint64(len(m.Targets)))
	for _, t := range m.Targets {
		e.PutUint64(t.SCMTotal)
		e.PutUint64(t.SCMFree)
		e.PutUint64(t.NVMeTotal)
		e.PutUint64(t.NVMeFree)
	}
}

func (m *TgtQueryResp) DecodeRPC(d *rpc.Decoder) error {
	n := d.Count(maxMembers, 32)
	if d.Err() != nil {
		return d.Err()
	}
	m.Targets = make([]TargetSpace, n)
	for i := range m.Targets {
		m.Targets[i] = TargetSpace{SCMTotal: d.Uint64(), SCMFree: d.Uint64(), NVMeTotal: d.Uint64(), NVMeFree: d.Uint64()}
	}
	return d.Err()
}

// ConnectReq is a client's pool connect: the pool by label or UUID, the
// new handle, DAOS_PC_* flags, the credential daos_agent signed for the
// client (agentpb.Credential, encoded) and the client's machine name.
type ConnectReq struct {
	Pool    string
	Handle  UUID
	Flags   uint64
	Cred    []byte
	Machine string
}

func (m *ConnectReq) EncodeRPC(e *rpc.Encoder) {
	e.PutString(m.Pool)
	e.PutRaw(m.Handle[:])
	e.PutUint64(m.Flags)
	e.PutBytes(m.Cred)
	e.PutString(m.Machine)
}

func (m *ConnectReq) DecodeRPC(d *rpc.Decoder) error {
	m.Pool = d.String(128)
	copy(m.Handle[:], d.Raw(16))
	m.Flags = d.Uint64()
	m.Cred = d.Bytes(64 << 10)
	m.Machine = d.String(256)
	return d.Err()
}

// ConnectResp gives the client what it needs to use the pool: its UUID,
// service replicas with their addresses, and the pool map (encoded by
// pkg/placement) with every rank's address.
type ConnectResp struct {
	Pool     UUID
	SvcRanks []Member
	Map      []byte
	Ranks    []Member
}

func putMembers(e *rpc.Encoder, ms []Member) {
	e.PutUvarint(uint64(len(ms)))
	for _, x := range ms {
		e.PutUint32(x.Rank)
		e.PutString(x.URI)
	}
}

func membersFrom(d *rpc.Decoder) []Member {
	n := d.Count(maxMembers*64, 5)
	if d.Err() != nil {
		return nil
	}
	out := make([]Member, n)
	for i := range out {
		out[i] = Member{Rank: d.Uint32(), URI: d.String(1024)}
	}
	return out
}

func (m *ConnectResp) EncodeRPC(e *rpc.Encoder) {
	e.PutRaw(m.Pool[:])
	putMembers(e, m.SvcRanks)
	e.PutBytes(m.Map)
	putMembers(e, m.Ranks)
}

func (m *ConnectResp) DecodeRPC(d *rpc.Decoder) error {
	copy(m.Pool[:], d.Raw(16))
	m.SvcRanks = membersFrom(d)
	m.Map = d.Bytes(maxBody)
	m.Ranks = membersFrom(d)
	return d.Err()
}
