// Package ctlclient calls ctl.CtlSvc on many daos_server hosts at once,
// as dmg does: one goroutine and one deadline per host, with each host's
// reply or error kept apart, so a host that is down gives an error for
// that host and never holds up the others.
package ctlclient

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/control/security"
)

// DefaultTimeout bounds one call to one host unless a call says more.
const DefaultTimeout = 15 * time.Second

// FormatTimeout bounds a storage format on one host.
const FormatTimeout = 5 * time.Minute

// Client reaches a list of hosts ("host:port").
type Client struct {
	Hosts   []string
	creds   credentials.TransportCredentials
	Timeout time.Duration
	// AllowProxy lets gRPC use the environment's https_proxy/HTTPS_PROXY
	// (and NO_PROXY). Off by default, as in DAOS: a site's web proxy in
	// front of control-plane traffic breaks it.
	AllowProxy bool
	// Log, when set, gets a DEBUG record for every call: host, method,
	// request, time taken and error.
	Log *slog.Logger
}

// DialOptions are the options every control-plane client should dial
// with: allowProxy false means the environment's proxy settings are
// ignored.
func DialOptions(creds credentials.TransportCredentials, allowProxy bool) []grpc.DialOption {
	opts := []grpc.DialOption{grpc.WithTransportCredentials(creds)}
	if !allowProxy {
		opts = append(opts, grpc.WithNoProxy())
	}
	return opts
}

// maxLoggedRequest bounds how much of a request a debug record carries.
const maxLoggedRequest = 1024

// dialOptions adds the call logger to DialOptions.
func (c *Client) dialOptions(host string) []grpc.DialOption {
	opts := DialOptions(c.creds, c.AllowProxy)
	if c.Log == nil {
		return opts
	}
	log := c.Log.With("host", host)
	return append(opts, grpc.WithUnaryInterceptor(func(ctx context.Context, method string, req, reply any,
		cc *grpc.ClientConn, invoker grpc.UnaryInvoker, callOpts ...grpc.CallOption) error {
		start := time.Now()
		err := invoker(ctx, method, req, reply, cc, callOpts...)
		text := fmt.Sprint(req)
		if len(text) > maxLoggedRequest {
			text = text[:maxLoggedRequest] + "..."
		}
		attrs := []any{"method", method, "request", text, "duration_ms", time.Since(start).Milliseconds()}
		if err != nil {
			attrs = append(attrs, "error", err)
		}
		log.Debug("gRPC call", attrs...)
		return err
	}))
}

// New makes a client for dmg's config (hosts and transport_config).
func New(cfg *config.Control) (*Client, error) {
	creds, err := security.ClientCredentials(cfg.Transport, config.ComponentAdmin)
	if err != nil {
		return nil, err
	}
	return &Client{Hosts: cfg.HostList, creds: creds, Timeout: DefaultTimeout}, nil
}

// NewWith makes a client with given credentials (tests, other components).
func NewWith(hosts []string, creds credentials.TransportCredentials) *Client {
	return &Client{Hosts: hosts, creds: creds, Timeout: DefaultTimeout}
}

// HostResult is one host's reply or error.
type HostResult[T any] struct {
	Host string
	Resp T
	Err  error
}

// call runs fn on every host concurrently, each under its own deadline,
// and returns the results sorted by host.
func call[T any](ctx context.Context, c *Client, timeout time.Duration,
	fn func(context.Context, ctlpb.CtlSvcClient) (T, error)) []HostResult[T] {
	if timeout <= 0 {
		timeout = c.Timeout
	}
	out := make([]HostResult[T], len(c.Hosts))
	var wg sync.WaitGroup
	for i, h := range c.Hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = HostResult[T]{Host: h}
			out[i].Resp, out[i].Err = callOne(ctx, c, h, timeout, fn)
		}()
	}
	wg.Wait()
	sort.SliceStable(out, func(a, b int) bool { return out[a].Host < out[b].Host })
	return out
}

func callOne[T any](ctx context.Context, c *Client, host string, timeout time.Duration,
	fn func(context.Context, ctlpb.CtlSvcClient) (T, error)) (T, error) {
	var zero T
	conn, err := grpc.NewClient(host, c.dialOptions(host)...)
	if err != nil {
		return zero, fmt.Errorf("connect to %s: %w", host, err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := fn(ctx, ctlpb.NewCtlSvcClient(conn))
	if err != nil {
		return zero, explain(err, timeout)
	}
	return resp, nil
}

// explain turns a gRPC status into an admin-readable error.
func explain(err error, timeout time.Duration) error {
	st, ok := status.FromError(err)
	if !ok {
		return security.ExplainHandshake(err)
	}
	switch st.Code() {
	case codes.DeadlineExceeded:
		return fmt.Errorf("no reply within %v (is daos_server running and reachable?)", timeout)
	case codes.Unavailable:
		return security.ExplainHandshake(fmt.Errorf("unreachable: %s", st.Message()))
	case codes.PermissionDenied, codes.Unauthenticated:
		return fmt.Errorf("refused: %s", st.Message())
	case codes.Unimplemented:
		return fmt.Errorf("the server does not support this call: %s", st.Message())
	}
	return fmt.Errorf("%s", st.Message())
}

// StorageScan scans every host's storage.
func (c *Client) StorageScan(ctx context.Context) []HostResult[*ctlpb.StorageScanResp] {
	return call(ctx, c, 0, func(ctx context.Context, cl ctlpb.CtlSvcClient) (*ctlpb.StorageScanResp, error) {
		return cl.StorageScan(ctx, &ctlpb.StorageScanReq{})
	})
}

// NetworkScan scans every host's network for provider ("all" for all).
func (c *Client) NetworkScan(ctx context.Context, provider string) []HostResult[*ctlpb.NetworkScanResp] {
	return call(ctx, c, 0, func(ctx context.Context, cl ctlpb.CtlSvcClient) (*ctlpb.NetworkScanResp, error) {
		return cl.NetworkScan(ctx, &ctlpb.NetworkScanReq{Provider: provider})
	})
}

// Hardware is one host's replies to the three hardware scans.
type Hardware struct {
	Network  *ctlpb.NetworkScanResp
	Storage  *ctlpb.StorageScanResp
	Topology *ctlpb.TopologyScanResp
}

// HardwareScan asks every host for its network (all providers), storage
// and topology, what `dmg config generate` needs. The three calls share
// one connection and deadline per host; a host whose call fails gets
// that call's error and no replies.
func (c *Client) HardwareScan(ctx context.Context) []HostResult[*Hardware] {
	return call(ctx, c, 0, func(ctx context.Context, cl ctlpb.CtlSvcClient) (*Hardware, error) {
		var h Hardware
		var err error
		if h.Network, err = cl.NetworkScan(ctx, &ctlpb.NetworkScanReq{Provider: "all"}); err != nil {
			return nil, err
		}
		if h.Storage, err = cl.StorageScan(ctx, &ctlpb.StorageScanReq{}); err != nil {
			return nil, err
		}
		if h.Topology, err = cl.TopologyScan(ctx, &ctlpb.TopologyScanReq{}); err != nil {
			return nil, err
		}
		return &h, nil
	})
}

// StorageFormat formats every host's engines.
func (c *Client) StorageFormat(ctx context.Context, force bool) []HostResult[*ctlpb.StorageFormatResp] {
	return call(ctx, c, FormatTimeout, func(ctx context.Context, cl ctlpb.CtlSvcClient) (*ctlpb.StorageFormatResp, error) {
		return cl.StorageFormat(ctx, &ctlpb.StorageFormatReq{Force: force})
	})
}

// HostSystemQuery asks every host for its engines' states.
func (c *Client) HostSystemQuery(ctx context.Context) []HostResult[*ctlpb.HostSystemQueryResp] {
	return call(ctx, c, 0, func(ctx context.Context, cl ctlpb.CtlSvcClient) (*ctlpb.HostSystemQueryResp, error) {
		return cl.HostSystemQuery(ctx, &ctlpb.HostSystemQueryReq{})
	})
}
