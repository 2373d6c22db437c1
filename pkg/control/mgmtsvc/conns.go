package mgmtsvc

import (
	"context"
	"fmt"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"

	"github.com/daos-go/daos/pkg/control/ctlpb"
)

// Conns keeps one gRPC connection per control address, so the leader's
// once-a-second probes and forwarded calls do not redial (and redo TLS)
// every time.
type Conns struct {
	dial []grpc.DialOption

	mu     sync.Mutex
	conns  map[string]*grpc.ClientConn
	closed bool
}

// NewConns makes a pool that dials with opts (transport credentials).
// Reconnection backs off to at most a second: a restarted server must be
// reachable again by the next probe or fan-out, not after gRPC's default
// backoff of up to two minutes.
func NewConns(opts ...grpc.DialOption) *Conns {
	all := append([]grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
		Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: time.Second},
		MinConnectTimeout: 2 * time.Second,
	})}, opts...)
	return &Conns{dial: all, conns: map[string]*grpc.ClientConn{}}
}

// Get returns the connection to addr, making it on first use.
func (c *Conns) Get(addr string) (*grpc.ClientConn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, fmt.Errorf("connect to %s: connection pool closed", addr)
	}
	if cc := c.conns[addr]; cc != nil {
		return cc, nil
	}
	cc, err := grpc.NewClient(addr, c.dial...)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	c.conns[addr] = cc
	return cc, nil
}

// Close closes every connection.
func (c *Conns) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cc := range c.conns {
		cc.Close()
	}
	c.conns, c.closed = map[string]*grpc.ClientConn{}, true
}

// HostSystemQuery asks one server for its engines.
func (c *Conns) HostSystemQuery(ctx context.Context, addr string) (*ctlpb.HostSystemQueryResp, error) {
	cc, err := c.Get(addr)
	if err != nil {
		return nil, err
	}
	return ctlpb.NewCtlSvcClient(cc).HostSystemQuery(ctx, &ctlpb.HostSystemQueryReq{})
}

// Ranks runs a rank operation (RankPrep, RankStop, RankStart) on one
// server.
func (c *Conns) Ranks(ctx context.Context, addr string, op RankOp, req *ctlpb.RanksReq) (*ctlpb.RanksResp, error) {
	cc, err := c.Get(addr)
	if err != nil {
		return nil, err
	}
	cl := ctlpb.NewCtlSvcClient(cc)
	// Wait for the connection (within ctx) rather than fail at once while
	// gRPC is between reconnection attempts.
	ready := grpc.WaitForReady(true)
	switch op {
	case RankPrep:
		return cl.PrepShutdownRanks(ctx, req, ready)
	case RankStop:
		return cl.StopRanks(ctx, req, ready)
	case RankStart:
		return cl.StartRanks(ctx, req, ready)
	}
	return nil, fmt.Errorf("unknown rank operation %q", op)
}
