package main

import (
	"context"
	"testing"

	"github.com/daos-go/daos/pkg/control/config"
)

func TestResolveControlAddr(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name             string
		cfg              config.Server
		listen, local    string
		replica, wantErr bool
	}{
		{name: "replica on loopback", cfg: config.Server{Port: 10001, MgmtSvcReplicas: []string{"127.0.0.1:10001"}},
			listen: ":10001", local: "127.0.0.1:10001", replica: true},
		{name: "replica by name", cfg: config.Server{Port: 10001, MgmtSvcReplicas: []string{"localhost:10001"}},
			listen: ":10001", local: "localhost:10001", replica: true},
		{name: "bound address picks its replica entry", cfg: config.Server{Port: 10001, ControlIface: "127.0.0.3",
			MgmtSvcReplicas: []string{"127.0.0.2:10001", "127.0.0.3:10001", "127.0.0.4:10001"}},
			listen: "127.0.0.3:10001", local: "127.0.0.3:10001", replica: true},
		{name: "bound address, not a replica", cfg: config.Server{Port: 10001, ControlIface: "127.0.0.9",
			MgmtSvcReplicas: []string{"127.0.0.2:10001"}},
			listen: "127.0.0.9:10001", local: "127.0.0.9:10001"},
		{name: "same address, other port", cfg: config.Server{Port: 10002, MgmtSvcReplicas: []string{"127.0.0.1:10001"}},
			listen: ":10002", local: "127.0.0.1:10002"},
		{name: "unresolvable replica", cfg: config.Server{Port: 10001, MgmtSvcReplicas: []string{"no-such-host.invalid:10001"}},
			wantErr: true},
		{name: "unknown interface", cfg: config.Server{Port: 10001, ControlIface: "nosuchif0", MgmtSvcReplicas: []string{"127.0.0.1:10001"}},
			wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := resolveControlAddr(ctx, &tc.cfg)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("accepted: %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.listen != tc.listen || got.local != tc.local || got.replica != tc.replica {
				t.Fatalf("got %+v, want listen %s local %s replica %v", got, tc.listen, tc.local, tc.replica)
			}
		})
	}
}
