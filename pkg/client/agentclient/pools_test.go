package agentclient

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/agent"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
)

func TestListPools(t *testing.T) {
	path := filepath.Join(t.TempDir(), "daos_agent.sock")
	srv := drpc.NewServer(path, drpc.ServerOptions{})
	srv.Register(drpc.ModuleMgmt, drpc.MethodGetAttachInfo, func(context.Context, []byte) ([]byte, error) {
		return proto.Marshal(&mgmtpb.GetAttachInfoResp{
			RankUris:      []*mgmtpb.GetAttachInfoResp_RankUri{{Rank: 0, Uri: "tcp://127.0.0.1:1"}},
			ClientNetHint: &mgmtpb.ClientNetHint{Provider: "ofi+tcp;ofi_rxm", Interface: "lo"},
		})
	})
	var fail atomic.Bool
	srv.Register(drpc.ModuleMgmt, agent.MethodListPools, func(_ context.Context, body []byte) ([]byte, error) {
		req := &mgmtpb.ListPoolsReq{}
		if err := proto.Unmarshal(body, req); err != nil {
			return nil, err
		}
		if fail.Load() {
			return proto.Marshal(&mgmtpb.ListPoolsResp{Status: int32(daos.ErrUnreach.DerCode())})
		}
		return proto.Marshal(&mgmtpb.ListPoolsResp{Pools: []*mgmtpb.ListPoolsResp_Pool{{Uuid: "u1", Label: req.Sys}}})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Listen(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { srv.Serve(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	s, err := AttachAt(ctx, path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pools, err := s.ListPools(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pools) != 1 || pools[0].Uuid != "u1" || pools[0].Label != DefaultSystem {
		t.Fatalf("pools: %v", pools)
	}
	fail.Store(true)
	if _, err := s.ListPools(ctx); !errors.Is(err, daos.ErrUnreach) {
		t.Fatalf("a refused list: %v", err)
	}
}
