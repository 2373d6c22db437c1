package drpc

import (
	"errors"
	"fmt"

	"github.com/daos-go/daos/pkg/drpc/drpcpb"
)

// ErrBadPayload is what a handler wraps when it cannot decode its
// request body; the caller then gets FAILED_UNMARSHAL_PAYLOAD.
var ErrBadPayload = errors.New("cannot decode dRPC request body")

// StatusError is returned by Client.Call when the server answered with a
// status other than SUCCESS.
type StatusError struct {
	Module Module
	Method Method
	Status drpcpb.Status
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("dRPC call module %d method %d: server answered %s", e.Module, e.Method, e.Status)
}
