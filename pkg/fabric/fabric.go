package fabric

import (
	"context"
	"fmt"
)

// Driver opens endpoints for a family of providers: the pure-Go "tcp", or
// every "ofi+..." provider through libfabric. fabric.Open picks the driver
// for a provider string.
type Driver interface {
	// Name names the driver in messages: "tcp", "ofi".
	Name() string
	// Serves reports whether p is a provider this driver implements,
	// whether or not the build or host has it.
	Serves(p Provider) bool
	// Providers lists the providers usable with this build on this host,
	// in DAOS's spelling, or an error saying why there are none.
	Providers() ([]string, error)
	// Open starts an endpoint as cfg describes (cfg.Provider is one the
	// driver serves) and delivers every message it receives to h.
	Open(ctx context.Context, cfg Config, h Handler) (Endpoint, error)
}

// Handler receives every message that reaches an endpoint, with the peer
// it came from, for replying. msg belongs to the handler. The endpoint calls
// it from its progress goroutines: a handler that blocks holds back further
// messages (from that peer on connection-based providers, from everyone on
// others), so it hands long work to another goroutine.
type Handler func(from Peer, msg []byte)

// Recycler is an Endpoint that takes back the memory of a message it
// delivered, to deliver a later message in. The caller promises that
// nothing refers to msg any more; the endpoint may ignore the offer.
type Recycler interface {
	Recycle(msg []byte)
}

// Unanswered is a Peer that wants to know when a message it delivered
// gets no message back (a cancellation, one dropped as malformed), to
// keep count of the exchanges under way with the peer.
type Unanswered interface {
	Unanswered()
}

// DeferredSender is a Peer that can hold a message back so that several
// go out in one write: SendDeferred queues msg until the endpoint's Flush
// (Flusher), or until the endpoint's reader has delivered what it has
// read, whichever is first (and at most a few milliseconds when neither
// comes). A caller should therefore defer only while a reply is due on
// the endpoint, or flush itself. It never blocks; false (with no error)
// means msg is too large to hold back, and the caller sends it.
type DeferredSender interface {
	SendDeferred(msg []byte) (bool, error)
}

// Flusher is an Endpoint whose peers can hold messages back
// (DeferredSender): Flush writes them all.
type Flusher interface {
	Flush()
}

// ReplyExpecter is a Peer told that a reply is expected for which no
// caller waits on a goroutine (an asynchronous call), so that a provider
// whose callers usually read their own replies has its connection read
// meanwhile.
type ReplyExpecter interface {
	ExpectReply()
}

// Endpoint is one local network endpoint: it has a URI peers reach it at,
// connects to peers, and registers memory for bulk transfers. Its methods
// are safe for concurrent use.
type Endpoint interface {
	// URI is where peers reach this endpoint.
	URI() URI
	// Connect returns a Peer for the endpoint at uri, making whatever
	// connection the provider needs. Each call may return a new Peer; the
	// caller keeps the ones it reuses.
	Connect(ctx context.Context, uri URI) (Peer, error)
	// Register exposes segs, in order, as one linear region for bulk
	// transfers. The segments stay the caller's memory: peers with remote
	// access may read or write them at any time until Close returns, and
	// the caller must not touch them meanwhile in ways that race with
	// transfers it started.
	Register(segs [][]byte, access Access) (Region, error)
	// Close stops the endpoint. Transfers and sends in progress fail with
	// an error wrapping ErrClosed; Peers become Done.
	Close() error
}

// Allocator is an Endpoint that hands out memory it can register in
// place: Register exposes one segment that lies inside such memory without
// copying it. Providers that may not register Go memory (ofi: libfabric
// keeps the pointers) otherwise stage every region through memory of
// their own, a copy in and a copy out; callers that keep bulk buffers
// (a self-test's, an engine's) allocate them here to avoid that.
type Allocator interface {
	Alloc(n int) (Memory, error)
}

// Memory is memory from an Allocator.
type Memory interface {
	// Bytes is the memory; valid until Free.
	Bytes() []byte
	// Free gives the memory back. It fails while a region still uses it
	// (a region whose Close failed, because a transfer abandoned on it
	// never ended, keeps it for good: the provider may still write).
	Free() error
}

// Peer is a remote endpoint as seen from a local one.
type Peer interface {
	// Send transmits msg as one message, in order with the other messages
	// sent to this Peer. It does not keep msg after returning. It returns
	// once the provider owns the data, not when the peer has it.
	Send(ctx context.Context, msg []byte) error
	// Read copies n bytes at offset roff of the peer's registered region
	// remote into local at offset loff (a "pull"). It returns when the data
	// is in local.
	Read(ctx context.Context, remote BulkHandle, roff int64, local Region, loff, n int64) error
	// Write copies n bytes at loff of local into the peer's region remote
	// at roff (a "push"). It returns when the data is in the peer's memory.
	Write(ctx context.Context, local Region, loff int64, remote BulkHandle, roff, n int64) error
	// Done is closed once this Peer can no longer reach the remote
	// endpoint (connection lost, or either side closed); Err says why.
	// Providers without connections close it only when the local endpoint
	// closes; their failures show as timeouts.
	Done() <-chan struct{}
	// Err is nil while the Peer works, then why it stopped. It wraps a DER
	// code (see errors.go).
	Err() error
	// String names the remote side for messages.
	String() string
	// Close releases the Peer's connections; pending transfers on it fail.
	Close() error
}

// Region is memory registered for bulk transfers: one or more segments seen
// as one linear range of Len bytes.
type Region interface {
	// Handle is what a peer needs to address the region; it travels in
	// requests.
	Handle() BulkHandle
	// Len is the region's size in bytes.
	Len() int64
	// Close withdraws the region. It waits for transfers that are
	// touching it; later ones fail. What peers wrote into the region is
	// guaranteed to be in the segments, and visible to the caller in the
	// Go memory model's sense, once Close returns: providers that stage
	// memory copy it back here, and providers that write from their own
	// goroutines synchronise here. (A completed RPC reply alone does not
	// order those writes before the caller's reads.)
	Close() error
}

// Access says how a region may be used.
type Access uint8

const (
	// AccessRemoteRead lets peers Read (pull) from the region.
	AccessRemoteRead Access = 1 << iota
	// AccessRemoteWrite lets peers Write (push) into the region.
	AccessRemoteWrite
	// AccessLocal lets this endpoint use the region as the local side of
	// its own Read and Write.
	AccessLocal
)

// AccessAll is every kind of access.
const AccessAll = AccessRemoteRead | AccessRemoteWrite | AccessLocal

func (a Access) String() string {
	s := ""
	for _, f := range []struct {
		bit  Access
		name string
	}{{AccessRemoteRead, "remote-read"}, {AccessRemoteWrite, "remote-write"}, {AccessLocal, "local"}} {
		if a&f.bit != 0 {
			if s != "" {
				s += "|"
			}
			s += f.name
		}
	}
	if s == "" {
		return "none"
	}
	return s
}

// MaxHandleSegments bounds the segments of a bulk handle, as it arrives
// from the network.
const MaxHandleSegments = 256

// BulkHandle describes a peer's registered region: a list of segments that
// together make its linear range. It is plain data meant to travel inside
// requests. Each segment maps onto what RMA needs (libfabric's address,
// protection key and length); providers without RMA use the key to find the
// region and Addr as an offset in it.
type BulkHandle struct {
	Segments []RemoteSegment
	// Access is what the owner allowed peers to do.
	Access Access
}

// RemoteSegment is one piece of a bulk handle.
type RemoteSegment struct {
	Addr, Key, Len uint64
}

// Len is the handle's total size in bytes.
func (h BulkHandle) Len() int64 {
	var n int64
	for _, s := range h.Segments {
		n += int64(s.Len)
	}
	return n
}

// IsZero reports whether h describes nothing.
func (h BulkHandle) IsZero() bool { return len(h.Segments) == 0 }

// Check validates a handle from the network: segment count, sizes and that
// the total does not overflow.
func (h BulkHandle) Check() error {
	if len(h.Segments) > MaxHandleSegments {
		return fmt.Errorf("bulk handle has %d segments, more than %d", len(h.Segments), MaxHandleSegments)
	}
	var total uint64
	for i, s := range h.Segments {
		if s.Len > 1<<62 || total+s.Len > 1<<62 {
			return fmt.Errorf("bulk handle segment %d: length %d makes the handle too large", i, s.Len)
		}
		total += s.Len
	}
	return nil
}

// Span is one piece of a transfer cut at segment boundaries.
type Span struct {
	// Seg is the segment index, SegOff the offset in it.
	Seg    int
	SegOff int64
	// Off is the offset of this piece within the transfer, Len its size.
	Off, Len int64
}

// Spans cuts the range [off, off+n) of a region whose segments have the
// given lengths into per-segment pieces, calling fn for each in order. It
// fails if the range is outside the region.
func Spans(lens func(i int) int64, count int, off, n int64, fn func(Span) error) error {
	if off < 0 || n < 0 {
		return fmt.Errorf("range at %d of %d bytes: negative", off, n)
	}
	var base int64
	done := int64(0)
	for i := 0; i < count && done < n; i++ {
		l := lens(i)
		if off+done >= base+l {
			base += l
			continue
		}
		segOff := off + done - base
		take := min(l-segOff, n-done)
		if err := fn(Span{Seg: i, SegOff: segOff, Off: done, Len: take}); err != nil {
			return err
		}
		done += take
		base += l
	}
	if done < n {
		return fmt.Errorf("range [%d, %d) is outside the region of %d bytes", off, off+n, base)
	}
	return nil
}

// HandleSpans cuts [off, off+n) of a bulk handle at its segments.
func HandleSpans(h BulkHandle, off, n int64, fn func(Span) error) error {
	return Spans(func(i int) int64 { return int64(h.Segments[i].Len) }, len(h.Segments), off, n, fn)
}

// SliceSpans cuts [off, off+n) of a scatter-gather list at its slices.
func SliceSpans(segs [][]byte, off, n int64, fn func(Span) error) error {
	return Spans(func(i int) int64 { return int64(len(segs[i])) }, len(segs), off, n, fn)
}
