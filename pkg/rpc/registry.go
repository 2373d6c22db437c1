package rpc

import (
	"context"
	"fmt"

	"github.com/daos-go/daos/pkg/fabric"
)

// Opcode identifies an RPC. Layers above choose their own ranges.
type Opcode uint32

// Handler serves one opcode: it decodes the request from in, does the
// work within ctx (which ends at the caller's deadline, when the caller
// cancels, or at shutdown) and returns the reply body, or an error whose
// DER code (daos.Code) the caller receives. A nil reply is an empty body.
type Handler func(ctx context.Context, in *Incoming) (Message, error)

// Incoming is one request being served.
type Incoming struct {
	ep    *Endpoint
	from  fabric.Peer
	op    Opcode
	body  []byte
	after []func()
}

// AfterReply has fn run once the reply has been sent (or has failed to
// be): for memory the reply refers to, such as a pooled buffer returned
// as inline data. Only the handler's goroutine may call it.
func (in *Incoming) AfterReply(fn func()) { in.after = append(in.after, fn) }

// replied runs the AfterReply functions.
func (in *Incoming) replied() {
	for _, fn := range in.after {
		fn()
	}
	in.after = nil
}

// Opcode is the request's opcode.
func (in *Incoming) Opcode() Opcode { return in.op }

// Endpoint is the endpoint the request arrived on.
func (in *Incoming) Endpoint() *Endpoint { return in.ep }

// Peer is where the request came from.
func (in *Incoming) Peer() fabric.Peer { return in.from }

// Decode reads the request body into m; failures wrap DER_PROTO. m's byte
// slices alias the message, which the handler owns.
func (in *Incoming) Decode(m Message) error {
	d := getDecoder(in.body)
	defer putDecoder(d)
	if err := m.DecodeRPC(d); err != nil {
		return fmt.Errorf("decode %s request: %w", in.ep.reg.Name(in.op), err)
	}
	if err := d.Finish(); err != nil {
		return fmt.Errorf("decode %s request: %w", in.ep.reg.Name(in.op), err)
	}
	return nil
}

// Handle adapts a function taking a decoded request to a Handler.
func Handle[Req any, PReq interface {
	*Req
	Message
}](fn func(ctx context.Context, in *Incoming, req PReq) (Message, error)) Handler {
	return func(ctx context.Context, in *Incoming) (Message, error) {
		req := PReq(new(Req))
		if err := in.Decode(req); err != nil {
			return nil, err
		}
		return fn(ctx, in, req)
	}
}

type opEntry struct {
	name      string
	h         Handler
	inline    bool
	internal  bool
	borrowing bool
}

// Registry maps opcodes to names and handlers. Fill it before Listen,
// which takes a copy; it is not safe for concurrent use while being filled.
type Registry struct {
	ops map[Opcode]opEntry
}

// NewRegistry makes an empty registry.
func NewRegistry() *Registry { return &Registry{ops: map[Opcode]opEntry{}} }

// Register adds an opcode. A nil handler only names it (for a client's
// error messages). An opcode registered twice is an error.
func (r *Registry) Register(op Opcode, name string, h Handler) error {
	if _, dup := r.ops[op]; dup {
		return fmt.Errorf("register opcode %#x (%s): already registered as %s", uint32(op), name, r.ops[op].name)
	}
	if name == "" {
		return fmt.Errorf("register opcode %#x: empty name", uint32(op))
	}
	if op >= reservedOps {
		return fmt.Errorf("register opcode %#x (%s): the range from %#x is the rpc package's own", uint32(op), name, uint32(reservedOps))
	}
	r.ops[op] = opEntry{name: name, h: h}
	return nil
}

// RegisterInternal adds an opcode only engines may send: the endpoint
// serves it only on sessions whose caller proved the system's peer key
// (see Endpoint.SetPeerKey), and refuses it on any other with
// DER_NO_PERM before the handler runs or the body is decoded.
func (r *Registry) RegisterInternal(op Opcode, name string, h Handler) error {
	return r.registerWith(op, name, h, "an internal", func(e *opEntry) { e.internal = true })
}

// registerWith registers h and sets a property of its entry; what names
// the kind of opcode in the error for a missing handler.
func (r *Registry) registerWith(op Opcode, name string, h Handler, what string, set func(*opEntry)) error {
	if h == nil {
		return fmt.Errorf("register opcode %#x (%s): %s opcode needs a handler", uint32(op), name, what)
	}
	if err := r.Register(op, name, h); err != nil {
		return err
	}
	e := r.ops[op]
	set(&e)
	r.ops[op] = e
	return nil
}

// Internal reports whether op was registered with RegisterInternal.
func (r *Registry) Internal(op Opcode) bool {
	return r != nil && r.ops[op].internal
}

// RegisterInline adds an opcode whose handler never blocks: no waiting
// for I/O, locks held for long, bulk transfers or calls. It runs on the
// transport's progress goroutine, as soon as the request arrives, which
// saves a goroutine hand-off on each request (a trivial reply, or passing
// the work to an executor that replies later, suits it). Its context has no
// deadline and is never cancelled by the caller.
func (r *Registry) RegisterInline(op Opcode, name string, h Handler) error {
	return r.registerWith(op, name, h, "an inline", func(e *opEntry) { e.inline = true })
}

// RegisterBorrowing is Register for a handler that only borrows the
// request's memory: nothing it or anything it calls keeps refers to the
// request's bytes (decoded byte strings alias them) once it has returned,
// so the endpoint may hand that memory to a later message after the reply
// has gone. Meant for hot opcodes with large requests (object updates).
func (r *Registry) RegisterBorrowing(op Opcode, name string, h Handler) error {
	return r.registerWith(op, name, h, "a borrowing", func(e *opEntry) { e.borrowing = true })
}

// borrowing reports whether op was registered with RegisterBorrowing.
func (r *Registry) borrowing(op Opcode) bool { return r != nil && r.ops[op].borrowing }

// MustRegister is Register for static tables; it panics on a duplicate.
func (r *Registry) MustRegister(op Opcode, name string, h Handler) {
	if err := r.Register(op, name, h); err != nil {
		panic(err)
	}
}

// Name is op's name, or its number when unknown.
func (r *Registry) Name(op Opcode) string {
	if r != nil {
		if e, ok := r.ops[op]; ok {
			return e.name
		}
	}
	switch op {
	case opAuthChallenge:
		return "rpc_auth_challenge"
	case opAuthProve:
		return "rpc_auth_prove"
	}
	return fmt.Sprintf("opcode %#x", uint32(op))
}

func (r *Registry) handler(op Opcode) (h Handler, inline, internal bool) {
	if r == nil {
		return nil, false, false
	}
	e := r.ops[op]
	return e.h, e.inline, e.internal
}

func (r *Registry) clone() *Registry {
	c := NewRegistry()
	if r != nil {
		for op, e := range r.ops {
			c.ops[op] = e
		}
	}
	return c
}
