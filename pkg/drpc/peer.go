package drpc

import (
	"context"
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// PeerCred is the identity of the process at the other end of a dRPC
// connection, as the kernel reports it (SO_PEERCRED): taken when the
// peer connected, so the peer cannot forge it.
type PeerCred struct {
	PID int32
	UID uint32
	GID uint32
}

type peerKey struct{}

// PeerFromContext returns the credentials of the peer whose call a
// handler is serving. ok is false when they could not be read.
func PeerFromContext(ctx context.Context) (PeerCred, bool) {
	p, ok := ctx.Value(peerKey{}).(PeerCred)
	return p, ok
}

// ContextWithPeer attaches a peer's credentials to ctx, as the server
// does for each connection; tests of handlers use it directly.
func ContextWithPeer(ctx context.Context, p PeerCred) context.Context {
	return context.WithValue(ctx, peerKey{}, p)
}

// readPeerCred asks the kernel who is connected on conn.
func readPeerCred(conn *net.UnixConn) (PeerCred, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return PeerCred{}, fmt.Errorf("read dRPC peer credentials: %w", err)
	}
	var uc *unix.Ucred
	var sErr error
	if err := rc.Control(func(fd uintptr) {
		uc, sErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return PeerCred{}, fmt.Errorf("read dRPC peer credentials: %w", err)
	}
	if sErr != nil {
		return PeerCred{}, fmt.Errorf("read dRPC peer credentials: %w", sErr)
	}
	return PeerCred{PID: uc.Pid, UID: uc.Uid, GID: uc.Gid}, nil
}
