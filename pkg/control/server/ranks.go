package server

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine/enginepb"
)

// EngineOfRank finds the engine instance holding rank.
func (s *Server) EngineOfRank(rank uint32) (int, bool) {
	for _, in := range s.instances {
		in.mu.Lock()
		ok := in.hasRank && in.rank == rank
		in.mu.Unlock()
		if ok {
			return in.idx, true
		}
	}
	return 0, false
}

// PrepShutdownEngine asks a running engine to get ready to stop. An
// engine that is not running is ready already.
func (s *Server) PrepShutdownEngine(ctx context.Context, idx int) error {
	in, err := s.instance(idx)
	if err != nil {
		return err
	}
	in.mu.Lock()
	client, state, rank := in.client, in.state, in.rank
	in.mu.Unlock()
	if client == nil || state != StateReady {
		return nil
	}
	if err := s.engineCall(ctx, client, drpc.MethodPrepShutdown, &enginepb.PrepShutdownReq{Rank: rank}); err != nil {
		return fmt.Errorf("prepare engine %d for shutdown: %w", idx, err)
	}
	return nil
}

// KillEngine stops an engine at once (SIGKILL), as `dmg system stop
// --force` does.
func (s *Server) KillEngine(ctx context.Context, idx int) error {
	in, err := s.instance(idx)
	if err != nil {
		return err
	}
	in.mu.Lock()
	in.forceStop = in.pid != 0 // only a running process; launch clears it
	in.mu.Unlock()
	return s.StopEngine(ctx, idx)
}

// Formatted is closed once engine idx's storage is known to be formatted
// (at start, or by a format).
func (s *Server) Formatted(idx int) (<-chan struct{}, error) {
	in, err := s.instance(idx)
	if err != nil {
		return nil, daos.Errorf(daos.ErrNonexist, "engine %d: %v", idx, err)
	}
	return in.formatted, nil
}

// supervised tells whether a supervisor goroutine runs for the instance.
func (in *instance) supervised() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.done == nil {
		return false
	}
	select {
	case <-in.done:
		return false
	default:
		return true
	}
}

// EngineMetrics reads a ready engine's I/O counters and shard space.
func (s *Server) EngineMetrics(ctx context.Context, idx int) (*enginepb.MetricsResp, error) {
	in, err := s.instance(idx)
	if err != nil {
		return nil, err
	}
	in.mu.Lock()
	client, state := in.client, in.state
	in.mu.Unlock()
	if client == nil || state != StateReady {
		return nil, daos.Errorf(daos.ErrUnreach, "engine %d is not ready", idx)
	}
	out, err := client.Call(ctx, drpc.ModuleMgmt, drpc.MethodGetMetrics, nil)
	if err != nil {
		return nil, fmt.Errorf("engine %d metrics: %w", idx, err)
	}
	resp := &enginepb.MetricsResp{}
	if err := proto.Unmarshal(out, resp); err != nil {
		return nil, fmt.Errorf("engine %d metrics: %w", idx, err)
	}
	return resp, nil
}
