package engine

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/drpc/drpcpb"
	"github.com/daos-go/daos/pkg/engine/enginepb"
	"github.com/daos-go/daos/pkg/engine/logmask"
)

// LogEnv is the logging part of the engine's environment, which
// daos_server builds from the engine's env_vars.
type LogEnv struct {
	// Mask is D_LOG_MASK; when set and valid it is used instead of
	// log_mask (an explicit per-engine override; log_mask is always
	// filled in with its default, so it cannot say "unset").
	Mask string
	// Streams and Subsystems are DD_MASK and DD_SUBSYS, only reported.
	Streams, Subsystems string
}

// DefaultLogMask is the mask before the configuration arrives, and when
// it carries none (daos_server's default log_mask).
const DefaultLogMask = "ERR"

// logControl holds what SET_LOG_MASKS resets to.
type logControl struct {
	levels     *logmask.Levels
	configured logmask.Settings
}

// configuredLogSettings works out the settings an engine starts with from
// its configuration's log_mask and its environment. A bad value is
// logged and skipped, not fatal: the server validated both already.
func configuredLogSettings(cfgMask string, env LogEnv, log *slog.Logger) logmask.Settings {
	s := logmask.Settings{Streams: env.Streams, Subsystems: env.Subsystems}
	s.Mask, _ = logmask.Parse(DefaultLogMask)
	if cfgMask != "" {
		if m, err := logmask.Parse(cfgMask); err != nil {
			log.Error("log_mask ignored", "err", err)
		} else {
			s.Mask = m
		}
	}
	if env.Mask != "" {
		if m, err := logmask.Parse(env.Mask); err != nil {
			log.Error("D_LOG_MASK ignored", "err", err)
		} else {
			s.Mask = m
		}
	}
	return s
}

// setLogMasks answers MGMT SET_LOG_MASKS: each empty field goes back to
// its configured value. A bad mask changes nothing.
func (e *Engine) setLogMasks(_ context.Context, body []byte) ([]byte, error) {
	req := &enginepb.SetLogMasksReq{}
	if err := proto.Unmarshal(body, req); err != nil {
		return nil, fmt.Errorf("%w: %v", drpc.ErrBadPayload, err)
	}
	lc := e.logs
	next := lc.configured
	if req.Masks != "" {
		m, err := logmask.Parse(req.Masks)
		if err != nil {
			return proto.Marshal(&enginepb.SetLogMasksResp{Status: int32(daos.ErrInval.DerCode()), Error: err.Error()})
		}
		next.Mask = m
	}
	if req.Streams != "" {
		next.Streams = req.Streams
	}
	if req.Subsystems != "" {
		next.Subsystems = req.Subsystems
	}
	lc.levels.Set(next)
	// Always logged, so the log shows when its level changed.
	e.opts.Logger.Log(context.Background(), logmask.LevelEmit, "log masks set", "masks", next.Mask.String(),
		"streams", next.Streams, "subsystems", next.Subsystems, "reset", req.Masks == "")
	return proto.Marshal(&enginepb.SetLogMasksResp{Masks: next.Mask.String(), Streams: next.Streams, Subsystems: next.Subsystems})
}

// callLogger logs every dRPC call the engine answers at DEBUG: what
// daos_server asked of the engine, and how long it took.
type callLogger struct{ log *slog.Logger }

func (c callLogger) ObserveCall(module drpc.Module, method drpc.Method, status drpcpb.Status, elapsed time.Duration) {
	if !c.log.Enabled(context.Background(), slog.LevelDebug) {
		return
	}
	c.log.Debug("dRPC call answered", "module", int32(module), "method", int32(method),
		"status", status.String(), "elapsed_us", elapsed.Microseconds())
}
