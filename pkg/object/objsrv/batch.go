package objsrv

import (
	"context"
	"fmt"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/rpc"
	"github.com/daos-go/daos/pkg/vos"
)

// batch applies a batch of updates and punches on one shard, all or none.
func (s *Service) batch(ctx context.Context, _ *rpc.Incoming, req *objproto.BatchReq) (rpc.Message, error) {
	t, version, err := s.check(ctx, &req.Header, accWrite|accData)
	if err != nil {
		return nil, err
	}
	ops := make([]vos.BatchOp, len(req.Steps))
	for i, st := range req.Steps {
		op := vos.BatchOp{Kind: st.Kind, Dkey: st.Dkey, IODs: st.IODs, Akeys: st.Akeys, Flags: st.Flags}
		if st.Kind == vos.BatchUpdate {
			lens, total, err := dataLens(st.IODs)
			if err != nil {
				return nil, err
			}
			if total != int64(len(st.Data)) {
				return nil, daos.Errorf(daos.ErrIoInval, "batch step %d: %d data bytes for IODs of %d", i, len(st.Data), total)
			}
			op.Data = make([][]byte, len(lens))
			perIOD := make([][][]byte, len(lens))
			off := int64(0)
			for j, n := range lens {
				op.Data[j] = st.Data[off : off+n]
				perIOD[j] = op.Data[j : j+1 : j+1]
				off += n
			}
			if op.Csums, err = updateCsums(&req.Header, st.IODs, perIOD, lens, st.Csums); err != nil {
				return nil, fmt.Errorf("batch step %d: %w", i, err)
			}
		}
		ops[i] = op
	}
	cont := vos.ContainerID(req.Cont)
	epoch, err := s.stamped(req.Epoch, func(epoch daos.Epoch) error {
		return t.Exec.Run(ctx, func(ctx context.Context) error {
			vp, err := t.Container(ctx, target.UUID(req.Pool), cont)
			if err != nil {
				return err
			}
			return vp.Batch(ctx, cont, req.OID, epoch, ops)
		})
	})
	if err != nil {
		return nil, err
	}
	return &objproto.UpdateResp{Epoch: epoch, MapVersion: version, HLC: s.Clock.Now()}, nil
}
