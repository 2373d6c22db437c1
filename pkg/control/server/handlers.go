package server

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/superblock"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine/enginepb"
)

// handleGetEngineConfig answers SRV GET_ENGINE_CONFIG for an engine this
// server launched.
func (s *Server) handleGetEngineConfig(_ context.Context, body []byte) ([]byte, error) {
	req := &enginepb.GetEngineConfigReq{}
	if err := proto.Unmarshal(body, req); err != nil {
		return nil, fmt.Errorf("%w: %v", drpc.ErrBadPayload, err)
	}
	in, err := s.launched(int(req.InstanceIdx), int(req.Pid))
	if err != nil {
		s.log.Warn("configuration request refused", "err", err)
		return proto.Marshal(&enginepb.GetEngineConfigResp{Status: int32(daos.Code(err).DerCode())})
	}
	return proto.Marshal(&enginepb.GetEngineConfigResp{Config: s.engineConfig(in)})
}

// launched finds the instance idx whose current process is pid.
func (s *Server) launched(idx, pid int) (*instance, error) {
	in, err := s.instance(idx)
	if err != nil {
		return nil, err
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.pid == 0 || in.pid != pid {
		return nil, daos.Errorf(daos.ErrNoPerm, "engine %d: pid %d is not the process this server launched (%d)", idx, pid, in.pid)
	}
	return in, nil
}

func (s *Server) engineConfig(in *instance) *enginepb.EngineConfig {
	e := in.storage.Config
	cfg := &enginepb.EngineConfig{
		SystemName:      s.cfg.Name,
		InstanceIdx:     uint32(in.idx),
		Targets:         uint32(e.Targets),
		NrXsHelpers:     uint32(e.HelperStreams),
		Provider:        e.Provider,
		FabricIface:     e.Interface,
		FabricIfacePort: uint32(e.InterfacePort),
		CrtTimeoutS:     uint32(e.CrtTimeout),
		SocketDir:       s.cfg.SocketDir,
		LogMask:         e.LogMask,
		SuperblockPath:  in.storage.SuperblockPath(),
	}
	for _, t := range e.Storage {
		switch {
		case t.IsSCM():
			cfg.ScmClass, cfg.ScmMount = t.Class, t.ScmMount
		case t.IsBdev():
			size := uint64(0)
			if t.Class == config.ClassFile {
				size = uint64(t.BdevSize) << 30
			}
			cfg.Bdevs = append(cfg.Bdevs, &enginepb.BdevTier{
				Class: t.Class, Devices: t.BdevList, SizeBytes: size, Roles: t.BdevRoles,
			})
		}
	}
	return cfg
}

// handleNotifyReady answers SRV NOTIFY_READY: the engine is serving its
// dRPC socket. The server checks that it runs on the storage it
// formatted, records its address and incarnation in the superblock, and
// connects to it.
func (s *Server) handleNotifyReady(_ context.Context, body []byte) ([]byte, error) {
	req := &enginepb.NotifyReadyReq{}
	if err := proto.Unmarshal(body, req); err != nil {
		return nil, fmt.Errorf("%w: %v", drpc.ErrBadPayload, err)
	}
	reply := func(err error) ([]byte, error) {
		if err != nil {
			s.log.Warn("engine readiness refused", "engine", req.InstanceIdx, "err", err)
			return proto.Marshal(&enginepb.DaosResp{Status: int32(daos.Code(err).DerCode())})
		}
		return proto.Marshal(&enginepb.DaosResp{})
	}
	in, err := s.launched(int(req.InstanceIdx), int(req.Pid))
	if err != nil {
		return reply(err)
	}
	path := in.storage.SuperblockPath()
	in.sbMu.Lock()
	sb, err := superblock.Read(path)
	if err != nil {
		in.sbMu.Unlock()
		return reply(daos.Errorf(daos.ErrUninit, "engine %d: %v", in.idx, err))
	}
	if sb.UUID != req.Uuid {
		in.sbMu.Unlock()
		return reply(daos.Errorf(daos.ErrInval, "engine %d reports UUID %s, its superblock says %s", in.idx, req.Uuid, sb.UUID))
	}
	sb.URI, sb.Incarnation = req.Uri, req.Incarnation
	err = superblock.Write(path, sb)
	in.sbMu.Unlock()
	if err != nil {
		return reply(daos.Errorf(daos.ErrIo, "engine %d: %v", in.idx, err))
	}
	in.mu.Lock()
	if in.client != nil {
		in.client.Close()
	}
	in.client = drpc.NewClient(req.DrpcListenerSock, 0)
	in.state, in.uuid, in.uri, in.socket, in.incarnation = StateReady, sb.UUID, req.Uri, req.DrpcListenerSock, req.Incarnation
	in.nctxs, in.joined = req.Nctxs, false
	in.cancelJoinLocked()
	s.mu.Lock()
	runCtx := s.runCtx
	s.mu.Unlock()
	var jctx context.Context
	if s.opts.MS != nil && runCtx != nil {
		jctx, in.joinCancel = context.WithCancel(runCtx)
	}
	in.mu.Unlock()
	if jctx != nil {
		go s.joinLoop(jctx, in, req.Incarnation)
	}
	s.log.Info("engine ready", "engine", in.idx, "pid", req.Pid, "uuid", sb.UUID, "uri", req.Uri,
		"incarnation", req.Incarnation, "socket", req.DrpcListenerSock)
	return reply(nil)
}
