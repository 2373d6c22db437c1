package ctlsvc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/support"
)

// DefaultCollectLogMaxBytes caps what one CollectLog streams, so that a
// runaway log cannot fill the admin node; larger collections go through
// support_config.file_transfer_exec or a narrower window.
const DefaultCollectLogMaxBytes = 1 << 30

// transferTimeout bounds a file_transfer_exec run.
const transferTimeout = 30 * time.Minute

// SupportSource is what CollectLog collects on this host.
type SupportSource struct {
	Config     *config.Server
	ConfigPath string
	Host       support.Host
	// MaxBytes is the stream cap; 0 means DefaultCollectLogMaxBytes.
	MaxBytes int64
}

// CollectLog collects this host's part of `dmg support collect-log` into
// a temporary folder, removed afterwards, and streams the collected files
// (and only those) back, or runs file_transfer_exec on the folder.
func (s *Service) CollectLog(req *ctlpb.CollectLogReq, stream ctlpb.CtlSvc_CollectLogServer) error {
	src := s.Support
	if src == nil {
		return status.Error(codes.Unimplemented, "this server does not collect logs")
	}
	ctx := stream.Context()
	r := support.Request{ExtraLogsDir: req.ExtraLogsDir, LogTypes: req.LogTypes, StartDate: req.StartDate,
		EndDate: req.EndDate, StartTime: req.StartTime, EndTime: req.EndTime, StopOnError: req.StopOnError}
	types, win, err := r.Parse(time.Now())
	if err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	dir, err := os.MkdirTemp("", "daos_support_")
	if err != nil {
		return status.Errorf(codes.Internal, "collect-log: %v", err)
	}
	defer os.RemoveAll(dir)
	items := support.ServerItems(src.Config, src.ConfigPath, src.Host, types, req.ExtraLogsDir)
	res, err := support.Collect(ctx, dir, items, support.Options{Window: win, StopOnError: req.StopOnError})
	if err != nil {
		return status.Errorf(codes.Aborted, "collect-log on %s: %v", src.Host.Name, err)
	}
	s.log().Info("support collect-log", "files", len(res.Files), "bytes", res.Bytes, "failures", len(res.Failures))
	if src.Config != nil && src.Config.SupportConfig != nil && src.Config.SupportConfig.FileTransferExec != "" {
		prog := src.Config.SupportConfig.FileTransferExec
		if err := runTransfer(ctx, prog, req.TransferArgs, dir, req.TargetFolder); err != nil {
			return status.Errorf(codes.Internal, "collect-log on %s: %v", src.Host.Name, err)
		}
		return stream.Send(&ctlpb.CollectLogChunk{TransferredBy: prog})
	}
	limit := src.MaxBytes
	if limit <= 0 {
		limit = DefaultCollectLogMaxBytes
	}
	if req.MaxBytes > 0 && int64(req.MaxBytes) < limit {
		limit = int64(req.MaxBytes)
	}
	err = support.Send(dir, res.Files, limit, func(c *support.Chunk) error {
		return stream.Send(&ctlpb.CollectLogChunk{Path: c.Path, Data: c.Data, Last: c.Last})
	})
	switch {
	case errors.Is(err, support.ErrTooLarge):
		return status.Errorf(codes.ResourceExhausted, "collect-log on %s: %v", src.Host.Name, err)
	case err != nil:
		return status.Errorf(codes.Internal, "collect-log on %s: %v", src.Host.Name, err)
	}
	return nil
}

// runTransfer runs file_transfer_exec with the admin's transfer args,
// the collected folder and the admin's target folder, as DAOS passes
// them to its copy tool.
func runTransfer(ctx context.Context, prog, args, src, target string) error {
	if target == "" {
		return errors.New("file_transfer_exec needs the admin's target folder (-t)")
	}
	ctx, cancel := context.WithTimeout(ctx, transferTimeout)
	defer cancel()
	argv := append(strings.Fields(args), src, target)
	cmd := exec.CommandContext(ctx, prog, argv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("file_transfer_exec %s: %v: %s", prog, err, strings.TrimSpace(out.String()))
	}
	return nil
}
