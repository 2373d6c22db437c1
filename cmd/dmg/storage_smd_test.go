package main

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/daos-go/daos/pkg/control/ctlsvc"
	"github.com/daos-go/daos/pkg/control/server"
	"github.com/daos-go/daos/pkg/engine/enginepb"
)

const (
	testDev0  = "11111111-2222-4333-8444-555555555555"
	testDev1  = "66666666-2222-4333-8444-555555555555"
	testPool0 = "aaaaaaaa-2222-4333-8444-555555555555"
)

// smdEngines is a host with rank 2 running (two file devices, one pool)
// and rank 3 stopped.
type smdEngines struct {
	*engines
	got []server.SmdQuery
}

func (s *smdEngines) SmdQuery(_ context.Context, q server.SmdQuery) []server.EngineSmd {
	s.got = append(s.got, q)
	var out []server.EngineSmd
	if q.Ranks == nil || q.Ranks[2] {
		e := server.EngineSmd{Index: 0, Rank: 2, HasRank: true}
		if q.Devices {
			d0 := &enginepb.SmdDevice{Uuid: testDev0, State: "NORMAL", TrAddr: "/tmp/bdev0", Class: "file", Tier: 1,
				Roles: []string{"data", "meta", "wal"}, TgtIds: []int32{0, 1, 2, 3}}
			d1 := &enginepb.SmdDevice{Uuid: testDev1, State: "NORMAL", TrAddr: "/tmp/bdev1", Class: "file", Tier: 1,
				Note: "no target data"}
			if q.Health {
				d0.Health = &enginepb.BioHealth{TotalBytes: 16 * testGiB, AllocatedBytes: 4 * testGiB, FreeBytes: 12 * testGiB,
					UsedBytes: 1 * testGiB, Unavailable: []string{"temperature, power, SMART and wear figures: not an NVMe controller"}}
			}
			e.Devices = []*enginepb.SmdDevice{d0, d1}
		}
		if q.Pools {
			e.Pools = []*enginepb.SmdPool{{Uuid: testPool0, TgtIds: []int32{0, 1, 2, 3}, DevUuid: testDev0,
				Blobs: []string{"/tmp/bdev0.pools/" + testPool0 + "/0.nvme"}}}
		}
		out = append(out, e)
	}
	if q.Ranks == nil || q.Ranks[3] {
		out = append(out, server.EngineSmd{Index: 1, Rank: 3, HasRank: true, Status: -1013,
			Err: "engine 1 (rank 3) is not running (state Stopped): its devices cannot be queried"})
	}
	return out
}

func serveSmd(t *testing.T, eng *smdEngines) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	svc := &ctlsvc.Service{System: "daos_server", Engines: eng, Storage: scans{}, Network: scans{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ctlsvc.Serve(ctx, ctlsvc.NewGRPCServer(svc, insecure.NewCredentials()), lis, time.Second)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return lis.Addr().String()
}

type smdEnvelope struct {
	Response struct {
		HostErrors     map[string]hostError `json:"host_errors"`
		HostStorageMap map[string]smdGroup  `json:"host_storage_map"`
	} `json:"response"`
	Error  *string `json:"error"`
	Status int     `json:"status"`
}

func TestStorageQueryListDevices(t *testing.T) {
	eng := &smdEngines{engines: &engines{}}
	addr := serveSmd(t, eng)

	out, rc := run(t, "-l", addr, "-i", "storage", "query", "list-devices", "-r", "2")
	require.Equal(t, 0, rc, out)
	require.Contains(t, out, "  Devices\n    UUID:"+testDev0+" [TrAddr:/tmp/bdev0 Class:file Tier:1]\n"+
		"      Roles:data,meta,wal Targets:[0 1 2 3] Rank:2 State:NORMAL LED:N/A\n")
	require.Contains(t, out, "UUID:"+testDev1)
	require.Contains(t, out, "Roles:NA Targets:[] Rank:2")
	require.NotContains(t, out, "Health Stats")
	require.Equal(t, server.SmdQuery{Devices: true, Ranks: map[uint32]bool{2: true}}, eng.got[0])

	out, rc = run(t, "-l", addr, "-i", "storage", "query", "list-devices", "-b", "-u", testDev0)
	require.NotEqual(t, 0, rc, "rank 3 is down: %s", out)
	require.Contains(t, out, "Health Stats:\n        Total Size:16 GiB\n        Allocated To Pools:4 GiB\n        Avail Size:12 GiB")
	require.Contains(t, out, "Unavailable: temperature")
	require.NotContains(t, out, testDev1)
	require.Regexp(t, `rank 3\s+engine 1 \(rank 3\) is not running`, out)

	out, rc = run(t, "-l", addr, "-i", "storage", "query", "list-devices", "-r", "2", "-e")
	require.Equal(t, 0, rc, out)
	require.Contains(t, out, "No devices found")

	out, rc = run(t, "-l", addr, "-i", "storage", "query", "list-devices", "-r", "2", "-b", "-j")
	require.Equal(t, 0, rc, out)
	var env smdEnvelope
	require.NoError(t, json.Unmarshal([]byte(out), &env), out)
	require.Nil(t, env.Error)
	require.Empty(t, env.Response.HostErrors)
	g, ok := env.Response.HostStorageMap[addr]
	require.True(t, ok, out)
	devs := g.Storage.SmdInfo.Devices
	require.Len(t, devs, 2)
	require.Equal(t, testDev0, devs[0].UUID)
	require.Equal(t, uint32(2), *devs[0].Rank)
	require.Equal(t, "NORMAL", devs[0].State)
	require.Equal(t, []int32{0, 1, 2, 3}, devs[0].TgtIDs)
	require.Equal(t, 12*testGiB, devs[0].Health.FreeBytes)
	require.NotEmpty(t, devs[0].Health.Unavailable)

	out, rc = run(t, "-l", addr, "-i", "storage", "query", "list-devices", "-j")
	require.NotEqual(t, 0, rc, out)
	env = smdEnvelope{}
	require.NoError(t, json.NewDecoder(strings.NewReader(out)).Decode(&env), out)
	require.NotNil(t, env.Error)
	require.Contains(t, *env.Error, "rank 3")

	for _, bad := range [][]string{{"-r", "x"}, {"-u", "nope"}} {
		out, rc = run(t, append([]string{"-l", addr, "-i", "storage", "query", "list-devices"}, bad...)...)
		require.NotEqual(t, 0, rc, out)
	}
	require.Len(t, eng.got, 5, "bad flags reach no server")
}

func TestStorageQueryListPools(t *testing.T) {
	eng := &smdEngines{engines: &engines{}}
	addr := serveSmd(t, eng)

	out, rc := run(t, "-l", addr, "-i", "storage", "query", "list-pools", "-r", "2")
	require.Equal(t, 0, rc, out)
	require.Contains(t, out, "  Pools\n    UUID:"+testPool0+"\n      Rank:2 Targets:[0 1 2 3]\n")
	require.NotContains(t, out, "Blobs")
	require.Equal(t, server.SmdQuery{Pools: true, Ranks: map[uint32]bool{2: true}}, eng.got[0])

	out, rc = run(t, "-l", addr, "-i", "storage", "query", "list-pools", "-r", "2", "-v")
	require.Equal(t, 0, rc, out)
	require.Contains(t, out, "Rank:2 Targets:[0 1 2 3] Device:"+testDev0+" Blobs:[/tmp/bdev0.pools/")

	out, rc = run(t, "-l", addr, "-i", "storage", "query", "list-pools", "-r", "2", "-u", "bbbbbbbb-2222-4333-8444-555555555555")
	require.Equal(t, 0, rc, out)
	require.Contains(t, out, "No pools found")

	out, rc = run(t, "-l", addr, "-i", "storage", "query", "list-pools", "-r", "7")
	require.Equal(t, 0, rc, out)
	require.NotContains(t, out, addr, "a host without the rank is not listed")

	out, rc = run(t, "-l", addr, "-i", "storage", "query", "list-pools", "-j", "-r", "2")
	require.Equal(t, 0, rc, out)
	var env smdEnvelope
	require.NoError(t, json.Unmarshal([]byte(out), &env), out)
	pools := env.Response.HostStorageMap[addr].Storage.SmdInfo.Pools
	require.Len(t, pools, 1)
	require.Equal(t, testPool0, pools[0].UUID)
	require.Equal(t, []int32{0, 1, 2, 3}, pools[0].TgtIDs)

	out, rc = run(t, "-l", addr, "-i", "storage", "query", "list-pools")
	require.NotEqual(t, 0, rc, out)
	require.Contains(t, out, "rank 3")
}
