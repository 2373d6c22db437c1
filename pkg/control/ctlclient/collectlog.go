package ctlclient

import (
	"context"
	"errors"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/support"
)

// DefaultCollectLogMaxBytes is what dmg takes from one host at most, the
// servers' own default cap.
const DefaultCollectLogMaxBytes = 1 << 30

// CollectLogTimeout bounds one host's collection and transfer.
const CollectLogTimeout = 30 * time.Minute

// CollectLogResult is what one host sent back.
type CollectLogResult struct {
	Dir           string   `json:"dir"`
	Files         []string `json:"files"`
	Bytes         int64    `json:"bytes"`
	TransferredBy string   `json:"transferred_by,omitempty"`
}

// CollectLog asks every host for its collection and writes each host's
// files under dirOf(host), at most maxBytes per host (0: no limit beyond
// the server's). req.TargetFolder is set per host to dirOf(host), for
// file_transfer_exec.
func (c *Client) CollectLog(ctx context.Context, req *ctlpb.CollectLogReq, dirOf func(host string) string,
	maxBytes int64) []HostResult[*CollectLogResult] {
	out := make([]HostResult[*CollectLogResult], len(c.Hosts))
	var wg sync.WaitGroup
	for i, h := range c.Hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dir := dirOf(h)
			out[i] = HostResult[*CollectLogResult]{Host: h}
			out[i].Resp, out[i].Err = callOne(ctx, c, h, CollectLogTimeout,
				func(ctx context.Context, cl ctlpb.CtlSvcClient) (*CollectLogResult, error) {
					r := ctlpb.CollectLogReq{TargetFolder: dir, ExtraLogsDir: req.ExtraLogsDir, LogTypes: req.LogTypes,
						StartDate: req.StartDate, EndDate: req.EndDate, StartTime: req.StartTime, EndTime: req.EndTime,
						StopOnError: req.StopOnError, TransferArgs: req.TransferArgs, MaxBytes: req.MaxBytes}
					return receive(ctx, cl, &r, dir, maxBytes)
				})
		}()
	}
	wg.Wait()
	sort.SliceStable(out, func(a, b int) bool { return out[a].Host < out[b].Host })
	return out
}

func receive(ctx context.Context, cl ctlpb.CtlSvcClient, req *ctlpb.CollectLogReq, dir string, maxBytes int64) (*CollectLogResult, error) {
	stream, err := cl.CollectLog(ctx, req)
	if err != nil {
		return nil, err
	}
	rx := &support.Receiver{Dir: dir, MaxBytes: maxBytes}
	defer rx.Close()
	res := &CollectLogResult{Dir: dir}
	for {
		c, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			res.Files, res.Bytes = rx.Files, rx.Bytes
			return res, nil
		}
		if err != nil {
			return nil, err
		}
		if c.TransferredBy != "" {
			res.TransferredBy = c.TransferredBy
			continue
		}
		if err := rx.Write(&support.Chunk{Path: c.Path, Data: c.Data, Last: c.Last}); err != nil {
			return nil, err
		}
	}
}
