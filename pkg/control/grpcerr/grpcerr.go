// Package grpcerr carries DAOS error codes across the control plane's
// gRPC calls: a server handler's error that wraps a DER code travels as a
// gRPC status with the code attached (a mgmt.DaosResp detail), and the
// client turns it back into an error that wraps the same daos.Errno, so
// dmg's JSON envelope reports DAOS's status number.
package grpcerr

import (
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
)

// ToStatus converts a handler error for gRPC. Errors that are already
// gRPC statuses pass unchanged; others become codes.Unknown (or the code
// that suits the DER code) with the DER code attached.
func ToStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	code := codes.Unknown
	der := daos.Code(err)
	switch {
	case errors.Is(err, daos.ErrNoPerm):
		code = codes.PermissionDenied
	case errors.Is(err, daos.ErrTimedout):
		code = codes.DeadlineExceeded
	case errors.Is(err, daos.ErrNotleader):
		// Another server may answer: callers that try the next one on
		// Unavailable do so.
		code = codes.Unavailable
	}
	st := status.New(code, err.Error())
	if der != daos.ErrUnknown {
		if withCode, derr := st.WithDetails(&mgmtpb.DaosResp{Status: int32(der.DerCode())}); derr == nil {
			st = withCode
		}
	}
	return st.Err()
}

// FromStatus turns a gRPC error back into an error that wraps its DER
// code when the server attached one; other errors are returned as they
// are.
func FromStatus(err error) error {
	st, ok := status.FromError(err)
	if !ok || err == nil {
		return err
	}
	for _, d := range st.Details() {
		if r, ok := d.(*mgmtpb.DaosResp); ok && r.Status != 0 {
			return &coded{msg: st.Message(), code: daos.Code(daos.FromCode(int(r.Status)))}
		}
	}
	return err
}

// coded prints the server's message and wraps its DER code.
type coded struct {
	msg  string
	code daos.Errno
}

func (e *coded) Error() string { return e.msg }
func (e *coded) Unwrap() error { return e.code }

// Errorf is a shorthand for handlers: a gRPC-ready error with a DER code.
func Errorf(code daos.Errno, format string, args ...any) error {
	return ToStatus(daos.Errorf(code, format, args...))
}
