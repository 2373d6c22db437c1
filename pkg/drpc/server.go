package drpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/drpc/drpcpb"
)

// SocketMode is the file mode of every dRPC socket: only the owner may
// connect.
const SocketMode = 0o600

// DefaultMaxConns bounds the connections a server serves at once.
const DefaultMaxConns = 64

// Handler serves one method. body is the request payload (owned by the
// handler); the returned bytes are the response payload. An error makes
// the response status FAILURE, or FAILED_UNMARSHAL_PAYLOAD when it wraps
// ErrBadPayload.
type Handler func(ctx context.Context, body []byte) ([]byte, error)

// ServerOptions tune a Server; zero values mean the defaults.
type ServerOptions struct {
	MaxMessageBytes int
	MaxConns        int
	// SocketMode is the socket file's mode (default SocketMode). It is
	// set before the socket appears at its path.
	SocketMode os.FileMode
	// IdleTimeout, if set, closes a connection that does not deliver a
	// whole message within it (between calls, or within one): a socket
	// that untrusted users can reach must not let them hold connection
	// slots or half-received messages for ever.
	IdleTimeout time.Duration
	// WriteTimeout bounds sending a response (default 10 s), so a peer
	// that stops reading cannot hold its slot.
	WriteTimeout time.Duration
	// AllowPeer, if set, decides from the peer's kernel-reported identity
	// whether a connection is served; refused ones are closed at once.
	// SameUser suits sockets only the daemon's own processes should use.
	AllowPeer func(PeerCred) error
	// Observer, if set, is told of every call the server answers, after
	// its response is built (metrics, tracing).
	Observer CallObserver
	Logger   *slog.Logger
}

// CallObserver is told of each answered call: its module and method as
// the caller sent them, the response status and how long the handler
// (or the lookup, for unknown ones) took. It must be safe for concurrent
// use and should not block.
type CallObserver interface {
	ObserveCall(module Module, method Method, status drpcpb.Status, elapsed time.Duration)
}

// SameUser allows peers running as the server's own effective uid (and
// root), whatever the socket file's mode.
func SameUser(p PeerCred) error {
	if uid := uint32(os.Geteuid()); p.UID != uid && p.UID != 0 {
		return fmt.Errorf("peer pid %d runs as uid %d, not %d", p.PID, p.UID, uid)
	}
	return nil
}

// DefaultWriteTimeout is ServerOptions.WriteTimeout's default.
const DefaultWriteTimeout = 10 * time.Second

type handlerKey struct {
	module Module
	method Method
}

// Server accepts dRPC connections on a Unix socket and dispatches calls
// to registered handlers. Calls on one connection are served in order;
// connections are served concurrently.
type Server struct {
	path string
	opts ServerOptions

	mu       sync.Mutex
	handlers map[handlerKey]Handler
	modules  map[Module]bool
	ln       *net.UnixListener
}

// NewServer makes a server for the socket at path. Nothing is created
// until Listen.
func NewServer(path string, opts ServerOptions) *Server {
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = DefaultMaxConns
	}
	if opts.SocketMode == 0 {
		opts.SocketMode = SocketMode
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = DefaultWriteTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Server{
		path:     path,
		opts:     opts,
		handlers: make(map[handlerKey]Handler),
		modules:  make(map[Module]bool),
	}
}

// Path is the socket's path.
func (s *Server) Path() string { return s.path }

// Register installs h for (module, method), replacing any earlier one.
func (s *Server) Register(module Module, method Method, h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers[handlerKey{module, method}] = h
	s.modules[module] = true
}

// Listen creates the socket with mode 0600, first removing a stale socket
// file that no process serves any more. It fails if another process is
// serving the path or if the path is something other than a socket.
func (s *Server) Listen(ctx context.Context) error {
	if err := RemoveStaleSocket(ctx, s.path); err != nil {
		return err
	}
	// Bind under a temporary name and rename once the mode is set, so the
	// socket is never reachable with another mode. The name is fresh:
	// nothing already at a guessable name is removed or followed.
	tmp := s.path + ".tmp" + strconv.Itoa(os.Getpid()) + "." + strconv.FormatUint(rand.Uint64(), 36)
	ln, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: tmp, Net: "unixpacket"})
	if err != nil {
		return fmt.Errorf("listen on dRPC socket %s: %w", s.path, err)
	}
	ln.SetUnlinkOnClose(false)
	if err := os.Chmod(tmp, s.opts.SocketMode); err != nil {
		ln.Close()
		os.Remove(tmp)
		return fmt.Errorf("set mode of dRPC socket %s: %w", s.path, err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		ln.Close()
		os.Remove(tmp)
		return fmt.Errorf("create dRPC socket %s: %w", s.path, err)
	}
	s.mu.Lock()
	s.ln = ln
	s.mu.Unlock()
	return nil
}

// Serve accepts connections until ctx ends, then closes the listener and
// every connection, waits for their handlers to return and removes the
// socket file. Listen must have succeeded.
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	ln := s.ln
	s.mu.Unlock()
	if ln == nil {
		return fmt.Errorf("serve dRPC on %s: Listen was not called", s.path)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()

	var wg sync.WaitGroup
	slots := make(chan struct{}, s.opts.MaxConns)
	var err error
	backoff := 5 * time.Millisecond
	for {
		conn, aErr := ln.AcceptUnix()
		if aErr != nil && ctx.Err() == nil && temporaryAcceptError(aErr) {
			// Out of descriptors or an aborted connection: wait a little
			// rather than stop serving everyone.
			s.opts.Logger.Warn("dRPC accept failed; retrying", "socket", s.path, "err", aErr)
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		if aErr != nil {
			if ctx.Err() == nil {
				err = fmt.Errorf("accept on dRPC socket %s: %w", s.path, aErr)
			}
			break
		}
		backoff = 5 * time.Millisecond
		select {
		case slots <- struct{}{}:
		default:
			s.opts.Logger.Warn("dRPC connection refused: too many open connections",
				"socket", s.path, "max_conns", s.opts.MaxConns)
			conn.Close()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			s.serveConn(ctx, conn)
		}()
	}
	cancel()
	ln.Close()
	wg.Wait()
	if rmErr := os.Remove(s.path); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) && err == nil {
		err = fmt.Errorf("remove dRPC socket %s: %w", s.path, rmErr)
	}
	return err
}

// temporaryAcceptError reports accept errors that pass: too many open
// files (here or system-wide), a connection aborted before it was taken,
// or a lack of memory for it.
func temporaryAcceptError(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM)
}

// serveConn answers calls on one connection until the peer leaves, sends
// something malformed, or ctx ends.
func (s *Server) serveConn(ctx context.Context, raw *net.UnixConn) {
	defer raw.Close()
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	pc, err := readPeerCred(raw)
	if err == nil {
		ctx = ContextWithPeer(ctx, pc)
	} else {
		s.opts.Logger.Warn("dRPC peer unknown", "socket", s.path, "err", err)
	}
	if s.opts.AllowPeer != nil {
		if err == nil {
			err = s.opts.AllowPeer(pc)
		}
		if err != nil {
			s.opts.Logger.Warn("dRPC peer refused", "socket", s.path, "err", err)
			return
		}
	}
	conn := newMsgConn(raw, s.opts.MaxMessageBytes)
	for {
		if s.opts.IdleTimeout > 0 {
			_ = raw.SetReadDeadline(time.Now().Add(s.opts.IdleTimeout))
		}
		msg, err := conn.recv()
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, errPeerClosed) {
				s.opts.Logger.Warn("dRPC connection dropped", "socket", s.path, "err", err)
			}
			return
		}
		began := time.Now()
		resp, module, method := s.dispatch(ctx, msg)
		if s.opts.Observer != nil {
			s.opts.Observer.ObserveCall(module, method, resp.Status, time.Since(began))
		}
		out, err := proto.Marshal(resp)
		if err != nil {
			out, _ = proto.Marshal(&drpcpb.Response{Sequence: resp.Sequence, Status: drpcpb.Status_FAILED_MARSHAL})
		}
		_ = raw.SetWriteDeadline(time.Now().Add(s.opts.WriteTimeout))
		if err := conn.send(out); err != nil {
			if ctx.Err() == nil {
				s.opts.Logger.Warn("dRPC response not sent", "socket", s.path, "err", err)
			}
			return
		}
	}
}

// dispatch decodes one call and runs its handler. It returns the
// response and the call's module and method (zero when undecodable).
func (s *Server) dispatch(ctx context.Context, msg []byte) (*drpcpb.Response, Module, Method) {
	call := &drpcpb.Call{}
	if err := proto.Unmarshal(msg, call); err != nil {
		return &drpcpb.Response{Status: drpcpb.Status_FAILED_UNMARSHAL_CALL}, 0, 0
	}
	resp := &drpcpb.Response{Sequence: call.Sequence}
	s.mu.Lock()
	h, ok := s.handlers[handlerKey{Module(call.Module), Method(call.Method)}]
	known := s.modules[Module(call.Module)]
	s.mu.Unlock()
	switch {
	case !ok && known:
		resp.Status = drpcpb.Status_UNKNOWN_METHOD
	case !ok:
		resp.Status = drpcpb.Status_UNKNOWN_MODULE
	default:
		body, err := h(ctx, call.Body)
		switch {
		case errors.Is(err, ErrBadPayload):
			resp.Status = drpcpb.Status_FAILED_UNMARSHAL_PAYLOAD
		case err != nil:
			s.opts.Logger.Warn("dRPC handler failed", "module", call.Module, "method", call.Method, "err", err)
			resp.Status = drpcpb.Status_FAILURE
		default:
			resp.Body = body
		}
	}
	return resp, Module(call.Module), Method(call.Method)
}

// RemoveStaleSocket removes the socket file at path when no process
// accepts connections on it. A missing path is fine; a live socket or a
// path that is not a socket is an error.
func RemoveStaleSocket(ctx context.Context, path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check dRPC socket %s: %w", path, err)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("dRPC socket path %s exists and is not a socket (%s); remove it or change socket_dir", path, fi.Mode().Type())
	}
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(dctx, "unixpacket", path)
	if err == nil {
		c.Close()
		return fmt.Errorf("dRPC socket %s is in use by another process; stop it first", path)
	}
	// Only a refused connection proves nobody serves it; anything else (a
	// socket of another kind or owner, a full backlog) is left alone.
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("dRPC socket %s exists and cannot be checked (%v); remove it if it is stale", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove stale dRPC socket %s: %w", path, err)
	}
	return nil
}
