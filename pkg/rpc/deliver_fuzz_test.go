package rpc

import (
	"context"
	"errors"
	"testing"

	"github.com/daos-go/daos/pkg/fabric"
)

// sinkPeer is a peer whose sends vanish and whose transfers fail: what a
// fuzzed message makes the endpoint answer goes nowhere.
type sinkPeer struct{ done chan struct{} }

var errSink = errors.New("sink peer: no transfers")

func (p *sinkPeer) Send(context.Context, []byte) error { return nil }
func (p *sinkPeer) Read(context.Context, fabric.BulkHandle, int64, fabric.Region, int64, int64) error {
	return errSink
}
func (p *sinkPeer) Write(context.Context, fabric.Region, int64, fabric.BulkHandle, int64, int64) error {
	return errSink
}
func (p *sinkPeer) Done() <-chan struct{} { return p.done }
func (p *sinkPeer) Err() error            { return nil }
func (p *sinkPeer) String() string        { return "sink peer" }
func (p *sinkPeer) Close() error          { return nil }

// FuzzDeliver hands arbitrary messages to the endpoint as a peer's, past
// the parsers into routing and dispatch: replies with any id, cancels,
// requests for every kind of opcode (inline, on handler goroutines, with
// bulk handles, unknown, reserved) with any deadline. Nothing may panic.
func FuzzDeliver(f *testing.F) {
	s := &testServer{}
	r := NewRegistry()
	r.MustRegister(opEcho, "echo", Handle(func(ctx context.Context, in *Incoming, req *echoMsg) (Message, error) { return req, nil }))
	if err := r.RegisterInline(opEchoInline, "echo-inline", Handle(func(ctx context.Context, in *Incoming, req *echoMsg) (Message, error) { return req, nil })); err != nil {
		f.Fatal(err)
	}
	r.MustRegister(opFail, "fail", s.registry().ops[opFail].h)
	r.MustRegister(opPull, "pull", s.registry().ops[opPull].h)
	ep, err := Listen(context.Background(), Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, Registry: r, Logger: testLogger()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = ep.Close() })
	peer := &sinkPeer{done: make(chan struct{})}

	for _, h := range []header{
		{kind: kindRequest, id: 1, op: opEcho, timeoutUS: 1000},
		{kind: kindRequest, id: 2, op: opEchoInline},
		{kind: kindRequest, id: 3, op: opPull, timeoutUS: 1 << 62},
		{kind: kindRequest, id: 4, op: opAuthChallenge},
		{kind: kindRequest, id: 5, op: 0x7fff_ffff},
		{kind: kindCancel, id: 1},
		{kind: kindReply, id: 9, status: -1007, text: "no"},
	} {
		e := NewEncoder(nil)
		h.encode(e)
		(&echoMsg{Seq: 7, Data: []byte("data")}).EncodeRPC(e)
		f.Add(e.Bytes())
	}
	e := NewEncoder(nil)
	(&header{kind: kindRequest, id: 6, op: opPull}).encode(e)
	(&bulkMsg{Bulk: Bulk{Len: 5, Handle: fabric.BulkHandle{Segments: []fabric.RemoteSegment{{Key: 1, Len: 5}}, Access: fabric.AccessRemoteRead}}}).EncodeRPC(e)
	f.Add(e.Bytes())
	f.Fuzz(func(t *testing.T, msg []byte) {
		ep.deliver(peer, msg)
	})
}
