package engine

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/enginepb"
	"github.com/daos-go/daos/pkg/engine/logmask"
)

func TestConfiguredLogSettings(t *testing.T) {
	discard := slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	for name, tc := range map[string]struct {
		cfg  string
		env  LogEnv
		want string
	}{
		"config":              {cfg: "WARN,mgmt=DEBUG", want: "WARN,mgmt=DEBUG"},
		"none":                {want: "ERR"},
		"D_LOG_MASK wins":     {cfg: "ERR", env: LogEnv{Mask: "INFO"}, want: "INFO"},
		"bad D_LOG_MASK":      {cfg: "NOTE", env: LogEnv{Mask: "LOUD"}, want: "NOTE"},
		"bad config, default": {cfg: "LOUD", want: "ERR"},
	} {
		got := configuredLogSettings(tc.cfg, tc.env, discard)
		require.Equal(t, tc.want, got.Mask.String(), name)
	}
}

func callSetLogMasks(t *testing.T, e *Engine, req *enginepb.SetLogMasksReq) *enginepb.SetLogMasksResp {
	t.Helper()
	body, err := proto.Marshal(req)
	require.NoError(t, err)
	out, err := e.setLogMasks(context.Background(), body)
	require.NoError(t, err)
	resp := &enginepb.SetLogMasksResp{}
	require.NoError(t, proto.Unmarshal(out, resp))
	return resp
}

func TestSetLogMasks(t *testing.T) {
	var buf bytes.Buffer
	configured := configuredLogSettings("ERR", LogEnv{Streams: "mgmt", Subsystems: "pool"}, slog.Default())
	levels := logmask.NewLevels(configured)
	inner := slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: logmask.LevelDebug, ReplaceAttr: logmask.ReplaceLevel})
	log := slog.New(logmask.NewHandler(inner, levels))
	e := &Engine{opts: Options{Logger: log}, logs: logControl{levels: levels, configured: configured}}
	mgmt := log.With(logmask.SubsysKey, "mgmt")

	mgmt.Debug("hidden")
	resp := callSetLogMasks(t, e, &enginepb.SetLogMasksReq{Masks: "err,mgmt=dbug", Streams: "io,md"})
	require.Zero(t, resp.Status, resp.Error)
	require.Equal(t, "ERR,mgmt=DEBUG", resp.Masks)
	require.Equal(t, "io,md", resp.Streams)
	require.Equal(t, "pool", resp.Subsystems, "an empty field keeps the configured value")
	mgmt.Debug("shown")
	log.Debug("base hidden")

	resp = callSetLogMasks(t, e, &enginepb.SetLogMasksReq{Masks: "ERR,LOUD"})
	require.Equal(t, int32(daos.ErrInval.DerCode()), resp.Status)
	require.Contains(t, resp.Error, `"LOUD"`)
	require.Equal(t, "ERR,mgmt=DEBUG", levels.Get().Mask.String(), "a bad mask changes nothing")

	resp = callSetLogMasks(t, e, &enginepb.SetLogMasksReq{})
	require.Zero(t, resp.Status)
	require.Equal(t, "ERR", resp.Masks)
	require.Equal(t, "mgmt", resp.Streams)
	require.Equal(t, configured.Mask, levels.Get().Mask)
	mgmt.Debug("hidden again")

	out := buf.String()
	require.Contains(t, out, "shown")
	require.NotContains(t, out, "hidden")
	require.Equal(t, 2, strings.Count(out, "level=EMIT msg=\"log masks set\""), out)
}
