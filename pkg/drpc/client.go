package drpc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/drpc/drpcpb"
)

// Client calls methods on a dRPC server. It keeps one connection, made on
// first use and remade after an I/O error; calls are serialized on it.
// A Client is safe for concurrent use.
type Client struct {
	path     string
	maxBytes int

	mu   sync.Mutex
	raw  *net.UnixConn
	conn *msgConn
	seq  int64
}

// NewClient makes a client for the socket at path; it does not connect.
// maxMessageBytes <= 0 means DefaultMaxMessageBytes.
func NewClient(path string, maxMessageBytes int) *Client {
	if maxMessageBytes <= 0 {
		maxMessageBytes = DefaultMaxMessageBytes
	}
	return &Client{path: path, maxBytes: maxMessageBytes}
}

// Path is the server socket's path.
func (c *Client) Path() string { return c.path }

// Connect dials the server now instead of on the first call.
func (c *Client) Connect(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.connectLocked(ctx)
}

func (c *Client) connectLocked(ctx context.Context) error {
	if c.raw != nil {
		return nil
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unixpacket", c.path)
	if err != nil {
		return fmt.Errorf("connect to dRPC socket %s: %w", c.path, err)
	}
	c.raw = conn.(*net.UnixConn)
	c.conn = newMsgConn(c.raw, c.maxBytes)
	return nil
}

// Close drops the connection; a later call reconnects.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeLocked()
}

func (c *Client) closeLocked() error {
	if c.raw == nil {
		return nil
	}
	err := c.raw.Close()
	c.raw, c.conn = nil, nil
	return err
}

// Call sends body to (module, method) and returns the response body. It
// gives up when ctx ends. A non-SUCCESS status is a *StatusError.
func (c *Client) Call(ctx context.Context, module Module, method Method, body []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("dRPC call %d/%d on %s: %w", module, method, c.path, err)
	}
	if err := c.connectLocked(ctx); err != nil {
		return nil, err
	}
	c.seq++
	seq := c.seq
	msg, err := proto.Marshal(&drpcpb.Call{Module: int32(module), Method: int32(method), Sequence: seq, Body: body})
	if err != nil {
		return nil, fmt.Errorf("encode dRPC call %d/%d: %w", module, method, err)
	}
	resp, err := c.exchange(ctx, msg)
	if err != nil {
		// The stream may be mid-message: start afresh next time.
		c.closeLocked()
		if isTimeout(err) || errors.Is(err, net.ErrClosed) {
			err = contextCause(ctx, err)
		}
		if errors.Is(err, errPeerClosed) {
			err = fmt.Errorf("%w before answering", err)
		}
		return nil, fmt.Errorf("dRPC call %d/%d on %s: %w", module, method, c.path, err)
	}
	if resp.Sequence != seq {
		c.closeLocked()
		return nil, fmt.Errorf("dRPC call %d/%d on %s: %w: response sequence %d, expected %d",
			module, method, c.path, ErrMalformed, resp.Sequence, seq)
	}
	if resp.Status != drpcpb.Status_SUCCESS {
		return nil, &StatusError{Module: module, Method: method, Status: resp.Status}
	}
	return resp.Body, nil
}

func (c *Client) exchange(ctx context.Context, msg []byte) (*drpcpb.Response, error) {
	stop := watchContext(ctx, c.raw)
	defer stop()
	if err := c.conn.send(msg); err != nil {
		return nil, err
	}
	in, err := c.conn.recv()
	if err != nil {
		return nil, err
	}
	resp := &drpcpb.Response{}
	if err := proto.Unmarshal(in, resp); err != nil {
		return nil, fmt.Errorf("%w: cannot decode response: %v", ErrMalformed, err)
	}
	return resp, nil
}

// contextCause is ctx's error when ctx ended an I/O that failed with err.
// The socket deadline can fire a moment before ctx's own timer does.
func contextCause(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return err
}
