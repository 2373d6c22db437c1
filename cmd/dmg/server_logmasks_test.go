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

// maskEngines is a host whose engine 0 runs and, when down is set,
// whose engine 1 does not.
type maskEngines struct {
	*engines
	down  bool
	calls int
}

func (m *maskEngines) SetEngineLogMasks(_ context.Context, req *enginepb.SetLogMasksReq) []server.EngineLogMasks {
	m.calls++
	masks := req.Masks
	if masks == "" {
		masks = "ERR" // configured
	}
	out := []server.EngineLogMasks{{Index: 0, Masks: masks, Streams: req.Streams, Subsystems: req.Subsystems}}
	if m.down {
		out = append(out, server.EngineLogMasks{Index: 1, Status: -1013, Err: "engine 1 is not running (state Stopped): its log masks were not set"})
	}
	return out
}

func serveMasks(t *testing.T, eng *maskEngines) string {
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

func TestServerSetLogMasks(t *testing.T) {
	e1, e2 := &maskEngines{engines: &engines{}}, &maskEngines{engines: &engines{}}
	a1, a2 := serveMasks(t, e1), serveMasks(t, e2)
	hosts := a1 + "," + a2

	out, rc := run(t, "-l", hosts, "-i", "server", "set-logmasks", "-m", "ERR,mgmt=DEBUG", "-d", "mgmt,io", "-s", "pool")
	require.Equal(t, 0, rc, out)
	require.Regexp(t, `Hosts\s+Engine\s+Masks\s+Streams\s+Subsystems`, out)
	// Both hosts answered alike: one row for the host set.
	require.Regexp(t, `127\.0\.0\.1:\[?\S+\s+0\s+ERR,mgmt=DEBUG\s+mgmt,io\s+pool`, out)
	require.Equal(t, 1, e1.calls)
	require.Equal(t, 1, e2.calls)

	// The alias, no masks: back to the configured ones.
	out, rc = run(t, "-l", a1, "-i", "server", "slm")
	require.Equal(t, 0, rc, out)
	require.Regexp(t, `0\s+ERR\s+-\s+-`, out)

	// JSON, in dmg's envelope.
	out, rc = run(t, "-l", a1, "-i", "-j", "server", "set-logmasks", "--masks", "DEBUG")
	require.Equal(t, 0, rc, out)
	var env struct {
		Response struct {
			HostErrors   map[string]hostError    `json:"host_errors"`
			HostLogMasks map[string]logMaskGroup `json:"host_log_masks"`
		} `json:"response"`
		Error  *string `json:"error"`
		Status int     `json:"status"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &env), out)
	require.Nil(t, env.Error)
	require.Empty(t, env.Response.HostErrors)
	require.Equal(t, []engineMasks{{Index: 0, Masks: "DEBUG"}}, env.Response.HostLogMasks[a1].Engines)

	// An engine that is down is reported for its host, and the command fails.
	e2.down = true
	out, rc = run(t, "-l", hosts, "-i", "server", "set-logmasks", "-m", "INFO")
	require.Equal(t, 1, rc, out)
	require.Contains(t, out, "Errors:")
	require.Contains(t, out, "engine 1 is not running")
	require.Contains(t, out, a2)
	require.Regexp(t, `0\s+INFO`, out, "the running engines are still shown")

	out, rc = run(t, "-l", a2, "-i", "-j", "server", "set-logmasks", "-m", "INFO")
	require.Equal(t, 1, rc, out)
	require.Contains(t, out, "engine 1 is not running")

	// In JSON the envelope keeps what the answering host said beside the
	// error, as DAOS's dmg prints it.
	out, rc = run(t, "-l", hosts, "-i", "-j", "server", "set-logmasks", "-m", "INFO")
	require.Equal(t, 1, rc, out)
	env.Response.HostErrors, env.Response.HostLogMasks, env.Error = nil, nil, nil
	require.NoError(t, json.Unmarshal([]byte(firstJSON(out)), &env), out)
	require.NotNil(t, env.Error)
	require.Contains(t, *env.Error, "engine 1 is not running")
	require.Equal(t, -1025, env.Status)
	require.Contains(t, env.Response.HostErrors, a2)
	require.Equal(t, []engineMasks{{Index: 0, Masks: "INFO"}}, env.Response.HostLogMasks[a1].Engines)
}

// firstJSON is the JSON document at the start of out (the envelope on
// stdout, before the error line a failing command adds on stderr).
func firstJSON(out string) string {
	dec := json.NewDecoder(strings.NewReader(out))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return out
	}
	return string(raw)
}

func TestServerSetLogMasksFlags(t *testing.T) {
	eng := &maskEngines{engines: &engines{}}
	addr := serveMasks(t, eng)
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"bad level":     {[]string{"-m", "LOUD"}, `item "LOUD" has level "LOUD"`},
		"bad item":      {[]string{"-m", "ERR,mgmt=LOUD"}, `item "mgmt=LOUD"`},
		"bare item":     {[]string{"-m", "ERR,DEBUG"}, `item "DEBUG" must be subsystem=LEVEL`},
		"bad streams":   {[]string{"-d", "mgmt,I/O"}, `--streams "mgmt,I/O": "I/O" is not a debug stream name`},
		"bad subsystem": {[]string{"-s", "pools"}, `--subsystems "pools": "pools" is not a subsystem name`},
		"all and more":  {[]string{"-d", "all,io"}, `all cannot be given with other debug stream names`},
		"arguments":     {[]string{"DEBUG"}, "unknown command"},
	} {
		out, rc := run(t, append([]string{"-l", addr, "-i", "server", "set-logmasks"}, tc.args...)...)
		require.NotEqual(t, 0, rc, name)
		require.Contains(t, out, tc.want, name)
	}
	require.Zero(t, eng.calls, "no bad flag reaches a server")
}
