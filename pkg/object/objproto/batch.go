package objproto

import (
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/rpc"
	"github.com/daos-go/daos/pkg/vos"
)

// OpBatch applies several updates and punches to dkeys of one object on
// one shard, all or none (vos.Pool.Batch).
const OpBatch rpc.Opcode = 0x03000006

// MaxBatchSteps bounds the steps of one batch, as VOS does.
const MaxBatchSteps = vos.MaxBatchOps

// BatchStep is one step of a batch: an update of a dkey's IODs, whose
// data travels inline (batches carry small metadata), or a punch of a
// dkey or of akeys of it.
type BatchStep struct {
	Kind  vos.BatchKind
	Flags daos.CondFlags
	Dkey  []byte
	IODs  []daos.IOD // updates
	Data  []byte     // updates: the IODs' bytes back to back
	Akeys [][]byte   // akey punches
	// Csums are an update's checksums, one list per IOD, when
	// Header.Csum is on (as UpdateReq.Csums).
	Csums [][]byte
}

// BatchReq is a batch; its reply is an UpdateResp.
type BatchReq struct {
	Header
	Steps []BatchStep
}

// EncodeRPC implements rpc.Message.
func (m *BatchReq) EncodeRPC(e *rpc.Encoder) {
	m.Header.encode(e)
	e.PutUvarint(uint64(len(m.Steps)))
	for _, s := range m.Steps {
		e.PutUint8(uint8(s.Kind))
		e.PutUint64(uint64(s.Flags))
		e.PutBytes(s.Dkey)
		putIODs(e, s.IODs)
		e.PutBytes(s.Data)
		putKeys(e, s.Akeys)
		putCsums(e, s.Csums)
	}
}

// DecodeRPC implements rpc.Message. All steps' data together is bounded
// by MaxInlineBytes.
func (m *BatchReq) DecodeRPC(d *rpc.Decoder) error {
	m.Header.decode(d)
	n := d.Count(MaxBatchSteps, 12)
	if d.Err() != nil {
		return d.Err()
	}
	m.Steps = make([]BatchStep, n)
	total := 0
	for i := range m.Steps {
		s := &m.Steps[i]
		s.Kind = vos.BatchKind(d.Uint8())
		s.Flags = daos.CondFlags(d.Uint64())
		s.Dkey = d.Bytes(MaxKeyBytes)
		s.IODs = iodsFrom(d)
		s.Data = d.Bytes(MaxInlineBytes - total)
		total += len(s.Data)
		s.Akeys = keysFrom(d)
		s.Csums = csumsFrom(d, len(s.IODs), false)
		if d.Err() != nil {
			break
		}
		if s.Kind < vos.BatchUpdate || s.Kind > vos.BatchPunchAkeys {
			d.Fail("batch step of unknown kind")
		}
	}
	return d.Err()
}
