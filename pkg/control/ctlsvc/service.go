package ctlsvc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	"github.com/daos-go/daos/pkg/control/ctlconv"
	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/control/security"
	"github.com/daos-go/daos/pkg/control/server"
	"github.com/daos-go/daos/pkg/control/superblock"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/hardware"
)

// Engines is the engine supervisor as the service uses it
// (*server.Server).
type Engines interface {
	Instances() []server.InstanceInfo
	FormatEngine(ctx context.Context, idx int, force bool) (*superblock.Superblock, error)
}

// RankEngines acts on engines by rank, for the management service's
// stop and start fan-out (*server.Server).
type RankEngines interface {
	EngineOfRank(rank uint32) (int, bool)
	PrepShutdownEngine(ctx context.Context, idx int) error
	StopEngine(ctx context.Context, idx int) error
	KillEngine(ctx context.Context, idx int) error
	StartEngine(ctx context.Context, idx int) error
	WaitJoined(ctx context.Context, idx int) error
}

// StorageScanner scans this host's SCM and NVMe (hardware.StorageScanner).
type StorageScanner interface {
	ScanSCM(ctx context.Context) (*hardware.SCMScan, error)
	ScanNVMe(ctx context.Context) (*hardware.NVMeScan, error)
}

// NetworkScanner scans this host's interfaces (hardware.NetworkScanner).
type NetworkScanner interface {
	Scan(ctx context.Context, provider string) (*hardware.NetworkScan, error)
}

// TopologyScanner reads this host's NUMA nodes, cores and memory
// (hardware.TopologyScanner).
type TopologyScanner interface {
	Scan(ctx context.Context) (*hardware.Topology, error)
}

// Service implements ctlpb.CtlSvcServer.
type Service struct {
	ctlpb.UnimplementedCtlSvcServer
	System  string
	Engines Engines
	// Ranks serves Prep/Stop/StartRanks; nil leaves them unimplemented.
	Ranks   RankEngines
	Storage StorageScanner
	Network NetworkScanner
	// Topology serves TopologyScan; nil leaves it unimplemented.
	Topology TopologyScanner
	// Support serves CollectLog; nil leaves it unimplemented.
	Support *SupportSource
	Logger  *slog.Logger
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// StorageScan reports both scans; a failed half is reported as an error
// string beside the other.
func (s *Service) StorageScan(ctx context.Context, _ *ctlpb.StorageScanReq) (*ctlpb.StorageScanResp, error) {
	resp := &ctlpb.StorageScanResp{}
	scm, err := s.Storage.ScanSCM(ctx)
	if err != nil {
		resp.ScmError = fmt.Sprintf("scan SCM: %v", err)
	}
	resp.Scm = ctlconv.SCMToPB(scm)
	nvme, err := s.Storage.ScanNVMe(ctx)
	if err != nil {
		resp.NvmeError = fmt.Sprintf("scan NVMe: %v", err)
	}
	resp.Nvme = ctlconv.NVMeToPB(nvme)
	return resp, nil
}

// NetworkScan scans the interfaces for one provider or all.
func (s *Service) NetworkScan(ctx context.Context, req *ctlpb.NetworkScanReq) (*ctlpb.NetworkScanResp, error) {
	p := req.Provider
	if p == "" {
		p = "all"
	}
	scan, err := s.Network.Scan(ctx, p)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "network scan: %v", err)
	}
	return ctlconv.NetworkToPB(scan), nil
}

// TopologyScan reports the host's NUMA nodes, cores and memory.
func (s *Service) TopologyScan(ctx context.Context, _ *ctlpb.TopologyScanReq) (*ctlpb.TopologyScanResp, error) {
	if s.Topology == nil {
		return nil, status.Error(codes.Unimplemented, "this server does not scan its topology")
	}
	topo, err := s.Topology.Scan(ctx)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "topology scan: %v", err)
	}
	return ctlconv.TopologyToPB(topo), nil
}

// StorageFormat formats every engine's storage in turn and starts the
// engines (the supervisor starts an engine as soon as it is formatted).
// Per-engine failures are reported per engine, with their DER code.
func (s *Service) StorageFormat(ctx context.Context, req *ctlpb.StorageFormatReq) (*ctlpb.StorageFormatResp, error) {
	resp := &ctlpb.StorageFormatResp{}
	for _, in := range s.Engines.Instances() {
		r := &ctlpb.EngineFormatResult{Index: uint32(in.Index)}
		sb, err := s.Engines.FormatEngine(ctx, in.Index, req.Force)
		if sb != nil {
			r.Uuid = sb.UUID
		}
		if err != nil {
			r.Status, r.Error = int32(daos.Code(err).DerCode()), err.Error()
			s.log().Warn("storage format failed", "engine", in.Index, "err", err)
		} else {
			s.log().Info("storage formatted", "engine", in.Index, "uuid", r.Uuid, "force", req.Force)
		}
		resp.Engines = append(resp.Engines, r)
	}
	return resp, nil
}

// HostSystemQuery reports this host's engines.
func (s *Service) HostSystemQuery(_ context.Context, _ *ctlpb.HostSystemQueryReq) (*ctlpb.HostSystemQueryResp, error) {
	resp := &ctlpb.HostSystemQueryResp{System: s.System}
	for _, in := range s.Engines.Instances() {
		resp.Engines = append(resp.Engines, &ctlpb.EngineState{
			Index: uint32(in.Index), Uuid: in.UUID, State: string(in.State), FabricUri: in.URI,
			Pid: int32(in.PID), Incarnation: in.Incarnation, Restarts: uint32(in.Restarts), LastExit: in.LastExit,
			Rank: in.Rank, HasRank: in.HasRank, Joined: in.Joined,
		})
	}
	return resp, nil
}

// NewGRPCServer makes a gRPC server with the control service registered
// and the authorisation check installed.
//
// extra options are added after the authorizers; interceptors given with
// grpc.ChainUnaryInterceptor or grpc.ChainStreamInterceptor (metrics) run
// inside them, on authorized calls only.
func NewGRPCServer(svc *Service, creds credentials.TransportCredentials, extra ...grpc.ServerOption) *grpc.Server {
	opts := append([]grpc.ServerOption{grpc.Creds(creds), grpc.UnaryInterceptor(security.UnaryAuthorizer),
		grpc.StreamInterceptor(security.StreamAuthorizer)}, extra...)
	gs := grpc.NewServer(opts...)
	ctlpb.RegisterCtlSvcServer(gs, svc)
	return gs
}

// Serve serves gs on lis until ctx ends, then lets calls in flight finish
// for up to grace before closing them.
func Serve(ctx context.Context, gs *grpc.Server, lis net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- gs.Serve(lis) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve gRPC on %s: %w", lis.Addr(), err)
	case <-ctx.Done():
	}
	stopped := make(chan struct{})
	go func() { gs.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(grace):
		gs.Stop()
	}
	if err := <-errc; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return fmt.Errorf("serve gRPC on %s: %w", lis.Addr(), err)
	}
	return nil
}
