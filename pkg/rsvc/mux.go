package rsvc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-msgpack/v2/codec"
	"github.com/hashicorp/raft"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
)

// Opcodes of raft's messages between engines (daos-go's range
// 0x0400xxxx).
const (
	OpAppendEntries   rpc.Opcode = 0x04000001
	OpRequestVote     rpc.Opcode = 0x04000002
	OpRequestPreVote  rpc.Opcode = 0x04000003
	OpTimeoutNow      rpc.Opcode = 0x04000004
	OpInstallSnapshot rpc.Opcode = 0x04000005
)

// Limits of raft messages over the fabric.
const (
	// A peer decides how much a handler allocates for its message or
	// snapshot: bound both (services' states are small).
	maxRaftMessage  = 64 << 20 // one AppendEntries batch
	maxSnapshotSize = 64 << 20
	callTimeout     = 10 * time.Second
	// maxInlineBody is the largest body sent inside the message.
	maxInlineBody   = 256 << 10
	snapshotTimeout = 2 * time.Minute
)

// GroupID names a raft group among the groups an engine serves (a pool's
// UUID for pool services).
type GroupID [16]byte

// Mux carries the raft messages of many groups over one rpc.Endpoint:
// every message names its group, and the Mux hands it to that group's
// Transport. Register it before the endpoint listens; set the endpoint
// once it does.
type Mux struct {
	mu     sync.RWMutex
	groups map[GroupID]*Transport
	ep     atomic.Pointer[rpc.Endpoint]
}

// NewMux makes an empty Mux.
func NewMux() *Mux { return &Mux{groups: map[GroupID]*Transport{}} }

// Register adds raft's opcodes to reg, as internal ones: only engines
// that proved the system's peer key may vote or append to a group's log.
func (m *Mux) Register(reg *rpc.Registry) error {
	for _, op := range []struct {
		op   rpc.Opcode
		name string
	}{
		{OpAppendEntries, "raft_append_entries"}, {OpRequestVote, "raft_request_vote"},
		{OpRequestPreVote, "raft_request_pre_vote"}, {OpTimeoutNow, "raft_timeout_now"},
		{OpInstallSnapshot, "raft_install_snapshot"},
	} {
		if err := reg.RegisterInternal(op.op, op.name, rpc.Handle(m.serve)); err != nil {
			return fmt.Errorf("register raft transport: %w", err)
		}
	}
	return nil
}

// SetEndpoint gives the Mux the endpoint to call other engines from.
func (m *Mux) SetEndpoint(ep *rpc.Endpoint) { m.ep.Store(ep) }

// Transport makes the transport of group g, whose local address is the
// endpoint's URI.
func (m *Mux) Transport(g GroupID) (*Transport, error) {
	ep := m.ep.Load()
	if ep == nil {
		return nil, errors.New("raft transport: the endpoint is not listening yet")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.groups[g]; ok {
		return nil, daos.Errorf(daos.ErrExist, "raft transport for group %x exists", g)
	}
	t := &Transport{mux: m, group: g, local: raft.ServerAddress(ep.URI().String()),
		consumer: make(chan raft.RPC), closed: make(chan struct{})}
	t.calls, t.abort = context.WithCancel(context.Background())
	m.groups[g] = t
	return t, nil
}

func (m *Mux) group(g GroupID) (*Transport, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	t, ok := m.groups[g]
	return t, ok
}

// raftMsg is every raft message and reply on the wire: the group, the
// msgpack encoding of raft's request or response, and, for snapshots,
// the snapshot's bytes.
type raftMsg struct {
	Group GroupID
	Body  []byte
	Data  rpc.Bulk
}

func (r *raftMsg) EncodeRPC(e *rpc.Encoder) {
	e.PutRaw(r.Group[:])
	e.PutBytes(r.Body)
	e.PutBulk(r.Data)
}

func (r *raftMsg) DecodeRPC(d *rpc.Decoder) error {
	copy(r.Group[:], d.Raw(16))
	r.Body = d.Bytes(maxRaftMessage)
	r.Data = d.Bulk(maxRaftMessage)
	return d.Err()
}

func encode(v any) ([]byte, error) {
	var out []byte
	if err := codec.NewEncoderBytes(&out, &codec.MsgpackHandle{}).Encode(v); err != nil {
		return nil, fmt.Errorf("encode raft message: %w", err)
	}
	return out, nil
}

func decode(b []byte, v any) error {
	if err := codec.NewDecoderBytes(b, &codec.MsgpackHandle{}).Decode(v); err != nil {
		return daos.Errorf(daos.ErrProto, "decode raft message: %v", err)
	}
	return nil
}

// serve hands an incoming raft message to its group and returns raft's
// answer.
func (m *Mux) serve(ctx context.Context, in *rpc.Incoming, req *raftMsg) (rpc.Message, error) {
	t, ok := m.group(req.Group)
	if !ok {
		return nil, daos.Errorf(daos.ErrNonexist, "no raft group %x here", req.Group)
	}
	if len(req.Body) == 0 && req.Data.Len > 0 && in.Opcode() != OpInstallSnapshot {
		if req.Data.Len > maxRaftMessage {
			return nil, daos.Errorf(daos.ErrProto, "raft message of %d bytes, more than %d", req.Data.Len, maxRaftMessage)
		}
		req.Body = make([]byte, req.Data.Len)
		if err := in.Pull(ctx, req.Data, [][]byte{req.Body}); err != nil {
			return nil, fmt.Errorf("fetch raft message: %w", err)
		}
	}
	var cmd any
	var reader io.Reader
	heartbeat := false
	switch in.Opcode() {
	case OpAppendEntries:
		r := &raft.AppendEntriesRequest{}
		if err := decode(req.Body, r); err != nil {
			return nil, err
		}
		leader := r.RPCHeader.Addr
		if len(leader) == 0 {
			leader = r.Leader //nolint:staticcheck // older peers fill only Leader
		}
		heartbeat = r.Term != 0 && leader != nil && r.PrevLogEntry == 0 && r.PrevLogTerm == 0 &&
			len(r.Entries) == 0 && r.LeaderCommitIndex == 0
		cmd = r
	case OpRequestVote:
		r := &raft.RequestVoteRequest{}
		if err := decode(req.Body, r); err != nil {
			return nil, err
		}
		cmd = r
	case OpRequestPreVote:
		r := &raft.RequestPreVoteRequest{}
		if err := decode(req.Body, r); err != nil {
			return nil, err
		}
		cmd = r
	case OpTimeoutNow:
		r := &raft.TimeoutNowRequest{}
		if err := decode(req.Body, r); err != nil {
			return nil, err
		}
		cmd = r
	case OpInstallSnapshot:
		r := &raft.InstallSnapshotRequest{}
		if err := decode(req.Body, r); err != nil {
			return nil, err
		}
		if r.Size < 0 || r.Size > maxSnapshotSize || r.Size != req.Data.Len {
			return nil, daos.Errorf(daos.ErrProto, "snapshot of %d bytes announced, %d sent", r.Size, req.Data.Len)
		}
		buf := make([]byte, r.Size)
		if err := in.Pull(ctx, req.Data, [][]byte{buf}); err != nil {
			return nil, fmt.Errorf("fetch snapshot: %w", err)
		}
		reader = bytes.NewReader(buf)
		cmd = r
	default:
		return nil, daos.Errorf(daos.ErrProto, "raft opcode %#x", in.Opcode())
	}
	respCh := make(chan raft.RPCResponse, 1)
	call := raft.RPC{Command: cmd, Reader: reader, RespChan: respCh}
	if hb := t.heartbeat.Load(); heartbeat && hb != nil {
		(*hb)(call)
	} else {
		select {
		case t.consumer <- call:
		case <-ctx.Done():
			return nil, daos.Errorf(daos.ErrTimedout, "raft group %x did not take the message: %v", req.Group, ctx.Err())
		case <-t.closed:
			return nil, daos.Errorf(daos.ErrShutdown, "raft group %x is closed", req.Group)
		}
	}
	var resp raft.RPCResponse
	select {
	case resp = <-respCh:
	case <-ctx.Done():
		return nil, daos.Errorf(daos.ErrTimedout, "raft group %x did not answer: %v", req.Group, ctx.Err())
	case <-t.closed:
		return nil, daos.Errorf(daos.ErrShutdown, "raft group %x is closed", req.Group)
	}
	if resp.Error != nil {
		return nil, daos.Errorf(daos.ErrMisc, "raft: %v", resp.Error)
	}
	body, err := encode(resp.Response)
	if err != nil {
		return nil, err
	}
	return &raftMsg{Group: req.Group, Body: body}, nil
}

// Transport is one group's raft.Transport over the Mux.
type Transport struct {
	mux       *Mux
	group     GroupID
	local     raft.ServerAddress
	consumer  chan raft.RPC
	heartbeat atomic.Pointer[func(raft.RPC)]
	closed    chan struct{}
	closeOnce sync.Once
	// calls ends this group's outgoing calls: raft waits for its
	// replication goroutines before it closes the transport, and one
	// blocked on a dead peer would hold a shutdown for a call's timeout.
	calls context.Context
	abort context.CancelFunc
}

var (
	_ raft.Transport   = (*Transport)(nil)
	_ raft.WithPreVote = (*Transport)(nil)
	_ raft.WithClose   = (*Transport)(nil)
)

// Consumer implements raft.Transport.
func (t *Transport) Consumer() <-chan raft.RPC { return t.consumer }

// LocalAddr implements raft.Transport.
func (t *Transport) LocalAddr() raft.ServerAddress { return t.local }

// AppendEntriesPipeline implements raft.Transport: not supported, raft
// then sends AppendEntries one at a time.
func (t *Transport) AppendEntriesPipeline(raft.ServerID, raft.ServerAddress) (raft.AppendPipeline, error) {
	return nil, raft.ErrPipelineReplicationNotSupported
}

// EncodePeer implements raft.Transport.
func (t *Transport) EncodePeer(_ raft.ServerID, addr raft.ServerAddress) []byte { return []byte(addr) }

// DecodePeer implements raft.Transport.
func (t *Transport) DecodePeer(b []byte) raft.ServerAddress { return raft.ServerAddress(b) }

// SetHeartbeatHandler implements raft.Transport.
func (t *Transport) SetHeartbeatHandler(cb func(raft.RPC)) {
	if cb == nil {
		t.heartbeat.Store(nil)
		return
	}
	t.heartbeat.Store(&cb)
}

// Abort fails this group's calls in flight and any later ones at once
// (a replica shutting down calls it before stopping raft).
func (t *Transport) Abort() { t.abort() }

// Close implements raft.WithClose: the group stops taking messages.
func (t *Transport) Close() error {
	t.closeOnce.Do(func() {
		t.abort()
		close(t.closed)
		t.mux.mu.Lock()
		if t.mux.groups[t.group] == t {
			delete(t.mux.groups, t.group)
		}
		t.mux.mu.Unlock()
	})
	return nil
}

func (t *Transport) call(op rpc.Opcode, target raft.ServerAddress, req, resp any, snapshot []byte, timeout time.Duration) error {
	ep := t.mux.ep.Load()
	uri, err := fabric.ParseURI(string(target))
	if err != nil {
		return fmt.Errorf("raft peer %q: %w", target, err)
	}
	body, err := encode(req)
	if err != nil {
		return err
	}
	msg := &raftMsg{Group: t.group, Body: body}
	var cb *rpc.ClientBulk
	bulk := snapshot
	if snapshot == nil && len(body) > maxInlineBody {
		// A batch of large entries would not fit in one message: the
		// body travels by bulk (a message must stay under the fabric's
		// limit, or raft would resend the same batch for ever).
		bulk, msg.Body = body, nil
	}
	if bulk != nil {
		if cb, err = ep.Expose([][]byte{bulk}, rpc.ToServer); err != nil {
			return err
		}
		msg.Data = cb.Desc()
	}
	ctx, cancel := context.WithTimeout(t.calls, timeout)
	defer cancel()
	out := &raftMsg{}
	err = ep.Call(ctx, uri, op, msg, out)
	if cb != nil {
		if ferr := cb.Finish(nil); err == nil {
			err = ferr
		}
	}
	if err != nil {
		return err
	}
	return decode(out.Body, resp)
}

// AppendEntries implements raft.Transport.
func (t *Transport) AppendEntries(_ raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	return t.call(OpAppendEntries, target, args, resp, nil, callTimeout)
}

// RequestVote implements raft.Transport.
func (t *Transport) RequestVote(_ raft.ServerID, target raft.ServerAddress, args *raft.RequestVoteRequest, resp *raft.RequestVoteResponse) error {
	return t.call(OpRequestVote, target, args, resp, nil, callTimeout)
}

// RequestPreVote implements raft.WithPreVote.
func (t *Transport) RequestPreVote(_ raft.ServerID, target raft.ServerAddress, args *raft.RequestPreVoteRequest, resp *raft.RequestPreVoteResponse) error {
	return t.call(OpRequestPreVote, target, args, resp, nil, callTimeout)
}

// TimeoutNow implements raft.Transport.
func (t *Transport) TimeoutNow(_ raft.ServerID, target raft.ServerAddress, args *raft.TimeoutNowRequest, resp *raft.TimeoutNowResponse) error {
	return t.call(OpTimeoutNow, target, args, resp, nil, callTimeout)
}

// InstallSnapshot implements raft.Transport; snapshots are read whole
// (services' states are small) and sent as one bulk transfer.
func (t *Transport) InstallSnapshot(_ raft.ServerID, target raft.ServerAddress, args *raft.InstallSnapshotRequest,
	resp *raft.InstallSnapshotResponse, data io.Reader) error {
	if args.Size < 0 || args.Size > maxSnapshotSize {
		return fmt.Errorf("install snapshot: %d bytes is more than %d", args.Size, maxSnapshotSize)
	}
	buf := make([]byte, args.Size)
	if _, err := io.ReadFull(data, buf); err != nil {
		return fmt.Errorf("install snapshot: read it: %w", err)
	}
	return t.call(OpInstallSnapshot, target, args, resp, buf, snapshotTimeout)
}
