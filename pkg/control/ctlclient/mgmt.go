package ctlclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/daos-go/daos/pkg/control/grpcerr"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
)

// MgmtCall calls the management service (mgmt.MgmtSvc). Any server
// answers it (servers that are not the leader forward to the leader), so
// the hosts are tried in order until one is reached; an answer, including
// a refusal, ends the search. The error names every host tried when none
// was reached.
func MgmtCall[T any](ctx context.Context, c *Client, timeout time.Duration,
	fn func(context.Context, mgmtpb.MgmtSvcClient) (T, error)) (T, error) {
	var zero T
	if timeout <= 0 {
		timeout = c.Timeout
	}
	if len(c.Hosts) == 0 {
		return zero, errors.New("management service: no hosts to ask (set hostlist in daos_control.yml or use -l)")
	}
	var errs []error
	answered := false
	for _, h := range c.Hosts {
		resp, err := mgmtCallOne(ctx, c, h, timeout, fn)
		if err == nil {
			return resp, nil
		}
		coded := grpcerr.FromStatus(err)
		if !unreached(err) || ctx.Err() != nil {
			if coded != err {
				return zero, coded // a refusal with a DER code
			}
			return zero, explain(err, timeout)
		}
		if coded != err {
			// A server that answered it could not serve the call now
			// (DER_NOTLEADER: no leader it could reach): the code is
			// kept, so callers can tell it from silence.
			answered = true
			errs = append(errs, fmt.Errorf("%s: %w", h, coded))
			continue
		}
		errs = append(errs, fmt.Errorf("%s: %w", h, explain(err, timeout)))
	}
	if answered {
		return zero, fmt.Errorf("management service: no server could serve the call: %w", errors.Join(errs...))
	}
	return zero, fmt.Errorf("management service: no server answered: %w", errors.Join(errs...))
}

// retrying makes call until it succeeds, fails in a way retryable does not
// accept, or ctx ends, pausing between tries from wait doubling up to
// maxRetryWait. Only calls that are safe to repeat may use it.
func retrying[T any](ctx context.Context, wait time.Duration, retryable func(error) bool, call func() (T, error)) (T, error) {
	for {
		resp, err := call()
		if err == nil || !retryable(err) || ctx.Err() != nil {
			return resp, err
		}
		select {
		case <-ctx.Done():
			return resp, err // the last refusal says more than the deadline
		case <-time.After(wait):
		}
		wait = min(2*wait, maxRetryWait)
	}
}

// Pauses between the tries of a retried call.
const (
	defaultRetryWait = 500 * time.Millisecond
	maxRetryWait     = 5 * time.Second
)

func mgmtCallOne[T any](ctx context.Context, c *Client, host string, timeout time.Duration,
	fn func(context.Context, mgmtpb.MgmtSvcClient) (T, error)) (T, error) {
	var zero T
	conn, err := grpc.NewClient(host, c.dialOptions(host)...)
	if err != nil {
		return zero, status.Errorf(codes.Unavailable, "connect to %s: %v", host, err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return fn(ctx, mgmtpb.NewMgmtSvcClient(conn))
}

// unreached tells whether err means the host never handled the call, so
// asking another host is safe.
func unreached(err error) bool {
	st, ok := status.FromError(err)
	return ok && st.Code() == codes.Unavailable
}
