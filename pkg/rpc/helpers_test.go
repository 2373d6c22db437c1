package rpc

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/fabric/drivers"
	"github.com/daos-go/daos/pkg/fabric/fabrictest"
)

// Test opcodes and messages.
const (
	opEcho Opcode = iota + 1
	opBlock
	opFail
	opPull
	opPush
	opFlaky
	opWhoami
	opNotServed
	opEchoInline
)

// echoMsg carries a sequence number and data, both echoed.
type echoMsg struct {
	Seq  uint64
	Data []byte
}

func (m *echoMsg) EncodeRPC(e *Encoder) { e.PutUvarint(m.Seq); e.PutBytes(m.Data) }
func (m *echoMsg) DecodeRPC(d *Decoder) error {
	m.Seq, m.Data = d.Uvarint(), d.Bytes(1<<20)
	return d.Err()
}

// bulkMsg asks the server to pull or push Bulk, checking or making the
// pattern of Seed, cut into server-side segments of sizes Cuts.
type bulkMsg struct {
	Seed uint64
	Cuts []uint32
	Bulk Bulk
}

func (m *bulkMsg) EncodeRPC(e *Encoder) {
	e.PutUvarint(m.Seed)
	e.PutUvarint(uint64(len(m.Cuts)))
	for _, c := range m.Cuts {
		e.PutUvarint(uint64(c))
	}
	e.PutBulk(m.Bulk)
}

func (m *bulkMsg) DecodeRPC(d *Decoder) error {
	m.Seed = d.Uvarint()
	if n := d.Count(64, 1); n > 0 {
		m.Cuts = make([]uint32, n)
		for i := range m.Cuts {
			m.Cuts[i] = uint32(d.Uvarint())
		}
	}
	m.Bulk = d.Bulk(4 << 20)
	return d.Err()
}

// pushReply carries data the server sent back inline.
type pushReply struct{ Inline []byte }

func (m *pushReply) EncodeRPC(e *Encoder) { e.PutBytes(m.Inline) }
func (m *pushReply) DecodeRPC(d *Decoder) error {
	m.Inline = d.Bytes(1 << 20)
	return d.Err()
}

func pattern(seed uint64, n int64) []byte {
	r := rand.New(rand.NewPCG(seed, ^seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// cut splits buf into segments of the given sizes, the last taking the rest.
func cut(buf []byte, sizes []uint32) [][]byte {
	var segs [][]byte
	for _, s := range sizes {
		n := min(int(s), len(buf))
		segs = append(segs, buf[:n:n])
		buf = buf[n:]
	}
	return append(segs, buf)
}

// testServer holds what a test's handlers report.
type testServer struct {
	ep       *Endpoint
	started  chan struct{} // opBlock began
	ended    chan error    // opBlock's ctx.Err when it returned
	release  chan struct{} // lets opBlock return normally
	flakyRun atomic.Int32  // opFlaky invocations
	name     string        // opWhoami answer
	seen     atomic.Int64  // requests served
}

func (s *testServer) registry() *Registry {
	r := NewRegistry()
	r.MustRegister(opEcho, "echo", Handle(func(ctx context.Context, in *Incoming, req *echoMsg) (Message, error) {
		s.seen.Add(1)
		return req, nil
	}))
	r.MustRegister(opBlock, "block", func(ctx context.Context, in *Incoming) (Message, error) {
		s.started <- struct{}{}
		select {
		case <-ctx.Done():
			s.ended <- ctx.Err()
			return nil, ctx.Err()
		case <-s.release:
			s.ended <- nil
			return &echoMsg{Seq: 1}, nil
		}
	})
	r.MustRegister(opFail, "fail", func(ctx context.Context, in *Incoming) (Message, error) {
		return nil, daos.Errorf(daos.ErrNonexist, "object 42 not found")
	})
	r.MustRegister(opPull, "pull", Handle(func(ctx context.Context, in *Incoming, req *bulkMsg) (Message, error) {
		buf := make([]byte, req.Bulk.Len)
		if err := in.Pull(ctx, req.Bulk, cut(buf, req.Cuts)); err != nil {
			return nil, err
		}
		want := pattern(req.Seed, req.Bulk.Len)
		for i := range buf {
			if buf[i] != want[i] {
				return nil, daos.Errorf(daos.ErrMismatch, "pulled byte %d is %#x, want %#x", i, buf[i], want[i])
			}
		}
		return nil, nil
	}))
	r.MustRegister(opPush, "push", Handle(func(ctx context.Context, in *Incoming, req *bulkMsg) (Message, error) {
		inline, err := in.Push(ctx, req.Bulk, cut(pattern(req.Seed, req.Bulk.Len), req.Cuts))
		if err != nil {
			return nil, err
		}
		return &pushReply{Inline: inline}, nil
	}))
	r.MustRegister(opFlaky, "flaky", func(ctx context.Context, in *Incoming) (Message, error) {
		if s.flakyRun.Add(1) == 1 {
			// The first attempt loses its connection before replying.
			_ = in.Peer().Close()
			return nil, nil
		}
		return &echoMsg{Seq: 2}, nil
	})
	r.MustRegister(opWhoami, "whoami", func(ctx context.Context, in *Incoming) (Message, error) {
		return &echoMsg{Data: []byte(s.name)}, nil
	})
	r.MustRegister(opNotServed, "not-served", nil)
	if err := r.RegisterInline(opEchoInline, "echo-inline", Handle(func(ctx context.Context, in *Incoming, req *echoMsg) (Message, error) {
		s.seen.Add(1)
		return req, nil
	})); err != nil {
		panic(err)
	}
	return r
}

// providers are the ones the suite runs on: every provider built in that
// works on loopback, or DAOSGO_TEST_PROVIDERS (comma-separated).
func providers() []string {
	if env := os.Getenv("DAOSGO_TEST_PROVIDERS"); env != "" {
		return strings.Split(env, ",")
	}
	have := fabric.Available(drivers.Default())
	var out []string
	for _, p := range have {
		switch p {
		case "ofi+tcp":
			// The same libfabric provider as "ofi+tcp;ofi_rxm" where
			// libfabric has no native RDM tcp: once is enough.
			if !slices.Contains(have, "ofi+tcp;ofi_rxm") {
				out = append(out, p)
			}
		case "tcp", "ofi+tcp;ofi_rxm", "ofi+shm":
			out = append(out, p)
		}
	}
	return out
}

// forEachProvider runs fn as a subtest per provider, with a leak check.
func forEachProvider(t *testing.T, fn func(t *testing.T, prov string)) {
	for _, p := range providers() {
		t.Run(p, func(t *testing.T) {
			fabrictest.NoLeaks(t)
			fn(t, p)
		})
	}
}

func listen(t *testing.T, prov string, port int, reg *Registry) *Endpoint {
	t.Helper()
	return listenWith(t, Config{Fabric: fabric.Config{Provider: prov, Port: port}, Registry: reg})
}

// listenWith listens with cfg on 127.0.0.1 (unless cfg names an
// interface), with the test logger; the endpoint closes with the test.
func listenWith(t *testing.T, cfg Config) *Endpoint {
	t.Helper()
	if cfg.Fabric.Interface == "" {
		cfg.Fabric.Interface = "127.0.0.1"
	}
	cfg.Logger = testLogger()
	ep, err := Listen(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ep.Close() })
	return ep
}

func newServer(t *testing.T, prov string) *testServer {
	return newServerWith(t, Config{Fabric: fabric.Config{Provider: prov}})
}

// newServerWith is newServer with cfg (its Registry is the server's).
func newServerWith(t *testing.T, cfg Config) *testServer {
	s := &testServer{
		started: make(chan struct{}, 16), ended: make(chan error, 16), release: make(chan struct{}),
		name: "server",
	}
	cfg.Registry = s.registry()
	s.ep = listenWith(t, cfg)
	return s
}

func newClient(t *testing.T, prov string) *Endpoint {
	return listen(t, prov, 0, (&testServer{}).registry())
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func recv[T any](t *testing.T, ctx context.Context, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		t.Fatalf("waiting for %s: %v", what, ctx.Err())
		panic("unreachable")
	}
}

// transportDown reports whether err is how a dead peer shows.
func transportDown(err error) bool {
	switch daos.Code(err) {
	case daos.ErrUnreach, daos.ErrHg:
		return true
	}
	return false
}

func describe(err error) string { return fmt.Sprintf("%v (code %v)", err, daos.Code(err)) }

func testLogger() *slog.Logger {
	if os.Getenv("DAOSGO_TEST_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// callsInParallel runs call(w, i) for i < each on each of workers
// goroutines and fails the test with the first error any returned.
func callsInParallel(t *testing.T, workers, each int, call func(w, i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := call(w, i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}
