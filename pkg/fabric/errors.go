package fabric

import (
	"context"
	"errors"
	"fmt"

	"github.com/daos-go/daos/pkg/daos"
)

// codedError is a transport condition that carries the DER code callers
// see; errors.Is matches both the condition and the code.
type codedError struct {
	what string
	code daos.Errno
}

func (e *codedError) Error() string { return e.what + ": " + e.code.Error() }
func (e *codedError) Unwrap() error { return e.code }

// The transport's failure conditions. Providers wrap them with what they
// were doing; callers test with errors.Is, and daos.Code finds the DER code.
var (
	// ErrClosed: the local endpoint (or Peer) was closed (DER_CANCELED).
	ErrClosed error = &codedError{"fabric endpoint closed", daos.ErrCanceled}
	// ErrUnreachable: no connection could be made (DER_UNREACH).
	ErrUnreachable error = &codedError{"peer unreachable", daos.ErrUnreach}
	// ErrPeerLost: an established connection broke, e.g. the peer process
	// died (DER_UNREACH).
	ErrPeerLost error = &codedError{"connection to peer lost", daos.ErrUnreach}
	// ErrMalformed: a peer sent bytes that break the protocol (DER_PROTO).
	ErrMalformed error = &codedError{"malformed data from peer", daos.ErrProto}
	// ErrTooLarge: a message exceeds the endpoint's limit (DER_OVERFLOW).
	ErrTooLarge error = &codedError{"message too large", daos.ErrOverflow}
	// ErrTransport: any other transport failure (DER_HG).
	ErrTransport error = &codedError{"transport error", daos.ErrHg}
	// ErrUnavailable: the provider is not built in or not on this host
	// (DER_NOSYS).
	ErrUnavailable error = &codedError{"provider not available", daos.ErrNosys}
)

// ContextError turns a context's error into the DER code a caller sees:
// DER_TIMEDOUT for a passed deadline, DER_CANCELED for a cancellation. The
// result wraps both the code and the context error.
func ContextError(err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w (%w)", daos.ErrTimedout, err)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%w (%w)", daos.ErrCanceled, err)
	}
	return err
}

// RemoteStatus is how a peer reports the outcome of a bulk request it
// served: 0 or a DER code.
func RemoteStatus(code daos.Errno) error {
	if code == daos.Success {
		return nil
	}
	return fmt.Errorf("refused by peer: %w", code)
}
