package objproto

import (
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/rpc"
)

// OpCollective runs one key query or one object punch on several targets
// of an engine in one request, as DAOS's collective object operations do:
// an object of many groups (SX on a pool of many targets) has several
// shards on every engine, and a size query or a punch that asked each
// shard on its own cost a round trip per group.
const OpCollective rpc.Opcode = 0x03000007

// MaxCollTargets bounds the targets of one collective request.
const MaxCollTargets = 256

// maxCollText bounds a target's error text in a collective reply.
const maxCollText = 1024

// CollKind is what a collective request does on each target.
type CollKind uint8

// Collective operations.
const (
	// CollQueryKey is a QueryKeyReq on each target.
	CollQueryKey CollKind = 1
	// CollPunch punches the object on each target (PunchObject).
	CollPunch CollKind = 2
)

// CollReq is a collective request. Header.Target is not used: Targets
// lists the targets, each at most once.
type CollReq struct {
	Header
	Kind    CollKind
	Targets []uint32
	// CollQueryKey: what to find.
	Query daos.QueryFlags
	Dkey  []byte
	Akey  []byte
}

// EncodeRPC implements rpc.Message.
func (m *CollReq) EncodeRPC(e *rpc.Encoder) {
	m.Header.encode(e)
	e.PutUint8(uint8(m.Kind))
	e.PutUvarint(uint64(len(m.Targets)))
	for _, t := range m.Targets {
		e.PutUvarint(uint64(t))
	}
	e.PutUint32(uint32(m.Query))
	e.PutBytes(m.Dkey)
	e.PutBytes(m.Akey)
}

// DecodeRPC implements rpc.Message.
func (m *CollReq) DecodeRPC(d *rpc.Decoder) error {
	m.Header.decode(d)
	m.Kind = CollKind(d.Uint8())
	n := d.Count(MaxCollTargets, 1)
	if d.Err() != nil {
		return d.Err()
	}
	m.Targets = make([]uint32, n)
	for i := range m.Targets {
		t := d.Uvarint()
		if t > 1<<31 {
			d.Fail("collective target index out of range")
			break
		}
		m.Targets[i] = uint32(t)
	}
	m.Query = daos.QueryFlags(d.Uint32())
	m.Dkey = d.Bytes(MaxKeyBytes)
	m.Akey = d.Bytes(MaxKeyBytes)
	if d.Err() == nil && m.Kind != CollQueryKey && m.Kind != CollPunch {
		d.Fail("collective request of unknown kind")
	}
	return d.Err()
}

// CollResult is one target's outcome.
type CollResult struct {
	// Status is the target's DER code (Success) and Text its error's
	// text when it failed.
	Status daos.Errno
	Text   string
	// Query is what a CollQueryKey found on the target (Status Success).
	Query QueryKeyResp
}

// Err is the result as an error (nil on success).
func (r *CollResult) Err() error {
	if r.Status == daos.Success {
		return nil
	}
	return daos.Errorf(r.Status, "%s", r.Text)
}

// CollResp holds one result per target, in the request's order.
type CollResp struct {
	Results []CollResult
	HLC     uint64
}

// EncodeRPC implements rpc.Message.
func (m *CollResp) EncodeRPC(e *rpc.Encoder) {
	e.PutUvarint(uint64(len(m.Results)))
	for i := range m.Results {
		r := &m.Results[i]
		e.PutVarint(int64(r.Status))
		text := r.Text
		if len(text) > maxCollText {
			text = text[:maxCollText]
		}
		e.PutString(text)
		r.Query.EncodeRPC(e)
	}
	e.PutUint64(m.HLC)
}

// DecodeRPC implements rpc.Message.
func (m *CollResp) DecodeRPC(d *rpc.Decoder) error {
	n := d.Count(MaxCollTargets, 16)
	if d.Err() != nil {
		return d.Err()
	}
	m.Results = make([]CollResult, n)
	for i := range m.Results {
		r := &m.Results[i]
		st := d.Varint()
		if st < -(1<<31) || st > 1<<31 {
			d.Fail("collective status out of range")
			break
		}
		r.Status = daos.Errno(st)
		r.Text = d.String(maxCollText)
		if err := r.Query.DecodeRPC(d); err != nil {
			break
		}
	}
	m.HLC = d.Uint64()
	return d.Err()
}
