package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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

func TestControlLoggerAndFaultCb(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "control.log")
	log, closeLog, err := controlLogger(&config.Server{ControlLogFile: logPath, ControlLogMask: "ERROR", ControlLogJSON: true}, logFlags{}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("hidden")
	log.Error("shown", "k", "v")
	closeLog()
	data, _ := os.ReadFile(logPath)
	if strings.Contains(string(data), "hidden") || !strings.Contains(string(data), `"msg":"shown"`) {
		t.Fatalf("control log: %q", data)
	}
	if _, _, err := controlLogger(&config.Server{ControlLogFile: filepath.Join(dir, "no", "such", "dir.log")}, logFlags{}, io.Discard); err == nil {
		t.Fatal("an unwritable control_log_file was accepted")
	}

	script := func(body string) string {
		p := filepath.Join(dir, fmt.Sprintf("cb%d.sh", len(body)))
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ctx := context.Background()
	if fd, err := faultDomain(ctx, &config.Server{FaultCb: script("echo /rack1/node7")}); err != nil || fd != "/rack1/node7" {
		t.Fatalf("fault_cb: %q, %v", fd, err)
	}
	for _, bad := range []string{"echo rack1", "echo /a//b", "exit 3", "echo"} {
		if fd, err := faultDomain(ctx, &config.Server{FaultCb: script(bad)}); err == nil {
			t.Fatalf("fault_cb %q accepted: %q", bad, fd)
		}
	}
	if fd, _ := faultDomain(ctx, &config.Server{FaultPath: "/r/n"}); fd != "/r/n" {
		t.Fatalf("fault_path: %q", fd)
	}
}
