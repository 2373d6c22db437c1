package poolhost

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
)

// Client sends commands and reads to pool services, following the
// replicas' leader hints and remembering each pool's leader.
type Client struct {
	EP *rpc.Endpoint

	mu      sync.Mutex
	leaders map[UUID]string
}

// Apply runs a command on pool p's service and returns its encoded result.
// A command is sent again only when a replica answered that it does not
// lead (or does not host the pool), or the replica could not be reached
// at all: after a timeout or a lost reply it may have been applied, and
// running it twice would not be the same (a second container create
// would fail, object ids would be allocated twice).
func (c *Client) Apply(ctx context.Context, p UUID, replicas []string, cmd []byte) ([]byte, error) {
	return c.call(ctx, OpPoolApply, p, replicas, cmd, false)
}

// AdminApply is Apply for engines acting for the control plane (commands
// clients may not send).
func (c *Client) AdminApply(ctx context.Context, p UUID, replicas []string, cmd []byte) ([]byte, error) {
	return c.call(ctx, OpPoolAdmin, p, replicas, cmd, false)
}

// Query reads from pool p's service; reads are retried on any transport
// failure.
func (c *Client) Query(ctx context.Context, p UUID, replicas []string, q []byte) ([]byte, error) {
	body, _, err := c.QueryLeader(ctx, p, replicas, q)
	return body, err
}

// QueryLeader is Query that also returns the rank of the leader that
// answered, when it said (ok false: an engine that does not say).
func (c *Client) QueryLeader(ctx context.Context, p UUID, replicas []string, q []byte) (body []byte, leader Leader, err error) {
	return c.queryLeader(ctx, OpPoolQuery, p, replicas, q)
}

// AdminQueryLeader is QueryLeader for engines: reads of anything in the
// service, on sessions that proved the system's peer key.
func (c *Client) AdminQueryLeader(ctx context.Context, p UUID, replicas []string, q []byte) (body []byte, leader Leader, err error) {
	return c.queryLeader(ctx, OpPoolAdminQuery, p, replicas, q)
}

func (c *Client) queryLeader(ctx context.Context, op rpc.Opcode, p UUID, replicas []string, q []byte) ([]byte, Leader, error) {
	resp, err := c.callResp(ctx, op, p, replicas, q, true)
	if err != nil {
		return nil, Leader{}, err
	}
	return resp.Body, Leader{Rank: resp.LeaderRank, Known: resp.LeaderKnown}, nil
}

// Leader is the rank of a pool service's leader, if Known.
type Leader struct {
	Rank  uint32
	Known bool
}

// attemptTimeout bounds one attempt, so a replica whose host is gone
// costs seconds, not the caller's whole deadline.
const attemptTimeout = 5 * time.Second

func (c *Client) call(ctx context.Context, op rpc.Opcode, p UUID, replicas []string, body []byte, idempotent bool) ([]byte, error) {
	resp, err := c.callResp(ctx, op, p, replicas, body, idempotent)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// callResp sends body to the leader of pool p's service among replicas,
// following redirects, and returns the leader's answer.
func (c *Client) callResp(ctx context.Context, op rpc.Opcode, p UUID, replicas []string, body []byte, idempotent bool) (*ServiceResp, error) {
	if len(replicas) == 0 {
		return nil, daos.Errorf(daos.ErrInval, "pool %x: no service replicas to ask", p[:4])
	}
	c.mu.Lock()
	if c.leaders == nil {
		c.leaders = map[UUID]string{}
	}
	next := c.leaders[p]
	c.mu.Unlock()
	var lastErr error
	notHere := 0
	for i := 0; ; i++ {
		if next == "" {
			next = replicas[i%len(replicas)]
		}
		to := next
		next = ""
		uri, err := fabric.ParseURI(to)
		if err != nil {
			return nil, fmt.Errorf("pool service replica %q: %w", to, err)
		}
		resp := &ServiceResp{}
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		err = c.EP.Call(actx, uri, op, &ServiceReq{Pool: p, Body: body}, resp)
		cancel()
		switch {
		case err == nil && !resp.NotLeader:
			c.mu.Lock()
			c.leaders[p] = to
			c.mu.Unlock()
			return resp, nil
		case err == nil && resp.NotHere:
			// Every replica, asked twice, hosts nothing of it: no such
			// pool (or not here any more).
			if notHere++; notHere >= 2*len(replicas) {
				return nil, daos.Errorf(daos.ErrNonexist, "pool %s: none of its service replicas hosts it", fmtUUID(p))
			}
			lastErr = daos.Errorf(daos.ErrNonexist, "pool service replica %s does not host the pool", to)
		case err == nil && resp.LeaderKnown && resp.LeaderURI != to:
			next = resp.LeaderURI
			continue
		case err == nil:
			lastErr = daos.Errorf(daos.ErrNotleader, "pool service is electing a leader")
		default:
			c.mu.Lock()
			if c.leaders[p] == to {
				delete(c.leaders, p) // do not start with a replica that failed
			}
			c.mu.Unlock()
			if !retriable(err, idempotent) {
				return nil, err
			}
			lastErr = err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("pool service: no leader answered: %v (last: %w)", ctx.Err(), lastErr)
		case <-time.After(time.Duration(min(i+1, 10)) * 20 * time.Millisecond):
		}
	}
}

// retriable tells whether a failed call may be sent to another replica.
func retriable(err error, idempotent bool) bool {
	if idempotent {
		return transient(err)
	}
	// Unreachable means the request was never delivered.
	return daos.Code(err) == daos.ErrUnreach && !errors.Is(err, context.DeadlineExceeded)
}

// transient errors mean another replica may answer.
func transient(err error) bool {
	switch daos.Code(err) {
	case daos.ErrUnreach, daos.ErrHg, daos.ErrTimedout, daos.ErrShutdown, daos.ErrNotleader:
		return true
	}
	return false
}

func fmtUUID(p UUID) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", p[0:4], p[4:6], p[6:8], p[8:10], p[10:])
}
