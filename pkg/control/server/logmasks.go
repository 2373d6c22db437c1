package server

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine/enginepb"
)

// EngineLogMasks is one engine's answer to SetEngineLogMasks: the
// settings it now uses, or Err (with its DER code in Status).
type EngineLogMasks struct {
	Index                      int
	Masks, Streams, Subsystems string
	Status                     int32
	Err                        string
}

// SetEngineLogMasks sends MGMT SET_LOG_MASKS to every engine of this
// server in turn. An engine that is not running is reported, not
// skipped: its masks cannot change, and it starts with its configured
// ones anyway.
func (s *Server) SetEngineLogMasks(ctx context.Context, req *enginepb.SetLogMasksReq) []EngineLogMasks {
	body, merr := proto.Marshal(req)
	out := make([]EngineLogMasks, 0, len(s.instances))
	for _, in := range s.instances {
		r := EngineLogMasks{Index: in.idx}
		err := merr
		if err == nil {
			err = s.setLogMasks(ctx, in, body, &r)
		}
		if err != nil {
			r.Status, r.Err = int32(daos.Code(err).DerCode()), err.Error()
		}
		out = append(out, r)
	}
	return out
}

func (s *Server) setLogMasks(ctx context.Context, in *instance, body []byte, r *EngineLogMasks) error {
	in.mu.Lock()
	client, state := in.client, in.state
	in.mu.Unlock()
	if client == nil || state != StateReady {
		return daos.Errorf(daos.ErrUnreach, "engine %d is not running (state %s): its log masks were not set", in.idx, state)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
	defer cancel()
	raw, err := client.Call(ctx, drpc.ModuleMgmt, drpc.MethodSetLogMasks, body)
	if err != nil {
		return fmt.Errorf("engine %d: set log masks: %w", in.idx, err)
	}
	resp := &enginepb.SetLogMasksResp{}
	if err := proto.Unmarshal(raw, resp); err != nil {
		return fmt.Errorf("engine %d: set log masks: decode reply: %w", in.idx, err)
	}
	if resp.Status != 0 {
		r.Status, r.Err = resp.Status, fmt.Sprintf("engine %d: %s", in.idx, resp.Error)
		return nil
	}
	r.Masks, r.Streams, r.Subsystems = resp.Masks, resp.Streams, resp.Subsystems
	return nil
}
