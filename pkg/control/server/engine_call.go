package server

import (
	"context"
	"fmt"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
)

// CallEngine makes a MGMT dRPC call to the first ready local engine and
// returns its raw reply; the management service hands pool calls to the
// pool services this way. Without a deadline on ctx the call gets
// CallTimeout.
func (s *Server) CallEngine(ctx context.Context, method drpc.Method, body []byte) ([]byte, error) {
	for _, in := range s.instances {
		in.mu.Lock()
		client, state, idx := in.client, in.state, in.idx
		in.mu.Unlock()
		if client == nil || state != StateReady {
			continue
		}
		if _, has := ctx.Deadline(); !has {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, s.opts.CallTimeout)
			defer cancel()
		}
		out, err := client.Call(ctx, drpc.ModuleMgmt, method, body)
		if err != nil {
			return nil, fmt.Errorf("engine %d: %w", idx, err)
		}
		return out, nil
	}
	return nil, daos.Errorf(daos.ErrUnreach, "no local engine is ready to take dRPC method %d", method)
}
