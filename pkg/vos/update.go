package vos

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unsafe"

	"github.com/daos-go/daos/pkg/daos"
)

// UpdateOptions qualify an update.
type UpdateOptions struct {
	// Flags are DAOS condition flags (insert/update of dkey and akeys).
	Flags daos.CondFlags
	// Tx makes the update part of a transaction, invisible to other
	// readers until Commit.
	Tx TxID
	// Csums are stored with the data and returned by Fetch: for each IOD,
	// one checksum for a single value or one per extent for an array
	// (nil: none).
	Csums [][][]byte
	// Verify, when set, checks each value (or extent) against its
	// checksum before anything is stored; a mismatch is DER_CSUM.
	Verify func(data, csum []byte) bool
}

// akeyUpdate is the part of an update that touches one akey.
type akeyUpdate struct {
	name  string
	typ   daos.IODType
	size  uint64      // value size, or record size for arrays
	recxs []daos.Recx // arrays only
	vals  []opValue   // one per value or extent
	csums [][]byte    // parallel to vals; entries may be nil
	// oneVal and oneCsum back vals and csums for a single value.
	oneVal  [1]opValue
	oneCsum [1][]byte
}

// updateOp is one applied update: everything needed to redo it. Built
// from a caller's arguments, its key names and values alias the caller's
// buffers (valid for the call); whatever the index keeps is copied.
type updateOp struct {
	cont  ContainerID
	oid   daos.ObjectID
	epoch daos.Epoch
	tx    TxID
	dkey  string
	akeys []akeyUpdate
	// one backs akeys for the usual update of a single akey.
	one [1]akeyUpdate
	// found caches the object and dkey that the space check looked up, so
	// that apply, under the same lock, need not search again. Not recorded;
	// replay searches.
	found struct {
		searched bool // o and d are what the search found, nil for absent
		o        *object
		d        *dkey
		at       finger // where d goes when absent
	}
}

// Update writes the IODs' data to dkey of oid at epoch, all or nothing.
// data holds, per IOD, the value (single) or the extents' records back to
// back (array). A single value or an array record size of 0 removes the
// value or the extents.
func (p *Pool) Update(ctx context.Context, cont ContainerID, oid daos.ObjectID, epoch daos.Epoch,
	dkeyName []byte, iods []daos.IOD, data [][]byte, opts UpdateOptions) error {
	op, err := buildUpdate(cont, oid, epoch, dkeyName, iods, data, opts, nil)
	if err != nil {
		return fmt.Errorf("update %s/%s dkey %q: %w", cont, oid, dkeyName, err)
	}
	written, err := p.writeLargeValues(ctx, op)
	if err != nil {
		return fmt.Errorf("update %s/%s dkey %q: %w", cont, oid, dkeyName, err)
	}
	if err := p.commitUpdate(ctx, op, iods, opts.Flags, written); err != nil {
		return fmt.Errorf("update %s/%s dkey %q: %w", cont, oid, dkeyName, err)
	}
	return nil
}

// commitUpdate admits, stages and applies an op whose large values are
// already durable on NVMe (written: their extents, released here if the
// update is refused), and waits until its record is durable.
func (p *Pool) commitUpdate(ctx context.Context, op *updateOp, iods []daos.IOD, flags daos.CondFlags, written []extent) error {
	p.mu.Lock()
	if err := p.admitUpdate(ctx, op, iods, flags); err != nil {
		if len(written) > 0 && p.nvme != nil {
			releaseUnreferenced(p.nvme, written)
		}
		// A refusal (a condition, say) may rest on a staged update that
		// is not durable yet: answer only once it is.
		sj, seen := p.pendingRead()
		p.mu.Unlock()
		if berr := p.readBarrier(ctx, sj, seen, false); berr != nil {
			err = berr
		}
		return err
	}
	rec := appendUpdate(p.encBuf, op)
	if cap(rec) <= maxReusedEncBuf {
		p.encBuf = rec[:0]
	}
	sj, lsn, err := p.stage(ctx, opUpdate, rec)
	if err != nil {
		if len(written) > 0 && p.nvme != nil && (errors.Is(err, daos.ErrCanceled) || errors.Is(err, daos.ErrTimedout)) {
			// The context ended before the journal was touched.
			releaseUnreferenced(p.nvme, written)
		}
		p.mu.Unlock()
		// Otherwise the record may be durable: its extents stay allocated
		// (see record).
		return err
	}
	var dropped []extent
	if sj != nil {
		p.deferred = &dropped
	}
	p.applyUpdate(op)
	p.deferred = nil
	nvme := p.nvme
	p.mu.Unlock()
	// Acknowledged only once durable; other updates stage meanwhile and
	// share the sync.
	if sj != nil {
		if err := p.awaitDurable(ctx, sj, lsn, false); err != nil {
			// The extents it dropped stay allocated: whether the record
			// survives is for the next open to find out.
			return err
		}
		if len(dropped) > 0 && nvme != nil {
			releaseUnreferenced(nvme, dropped)
		}
	}
	return nil
}

// usesNVMe reports whether any value of the op is on NVMe.
func (op *updateOp) usesNVMe() bool {
	for i := range op.akeys {
		for _, v := range op.akeys[i].vals {
			if v.ext != nil {
				return true
			}
		}
	}
	return false
}

// maxReusedEncBuf bounds the record buffer a pool keeps between updates.
const maxReusedEncBuf = 64 << 10

// buildUpdate validates the caller's input and shapes it into an op. With
// alloc set, data is nil and each value's bytes are alloc's answer for its
// length (BeginUpdate: the caller fills them later, so checksums are
// verified at Commit instead).
func buildUpdate(cont ContainerID, oid daos.ObjectID, epoch daos.Epoch, dkeyName []byte,
	iods []daos.IOD, data [][]byte, opts UpdateOptions, alloc func(n uint64) ([]byte, error)) (*updateOp, error) {
	if epoch == 0 || epoch == daos.EpochMax {
		return nil, daos.Errorf(daos.ErrInval, "epoch %d cannot be written", epoch)
	}
	if err := checkDkey(oid, dkeyName); err != nil {
		return nil, err
	}
	if len(iods) == 0 || len(iods) > MaxIODs {
		return nil, daos.Errorf(daos.ErrInval, "%d IODs (want 1 to %d)", len(iods), MaxIODs)
	}
	if alloc == nil && len(data) != len(iods) {
		return nil, daos.Errorf(daos.ErrIoInval, "%d data buffers for %d IODs", len(data), len(iods))
	}
	if opts.Csums != nil && len(opts.Csums) != len(iods) {
		return nil, daos.Errorf(daos.ErrInval, "%d checksum lists for %d IODs", len(opts.Csums), len(iods))
	}
	op := &updateOp{cont: cont, oid: oid, epoch: epoch, tx: opts.Tx, dkey: aliasString(dkeyName)}
	if len(iods) == 1 {
		op.akeys = op.one[:0]
	} else {
		op.akeys = make([]akeyUpdate, 0, len(iods))
	}
	for i := range iods {
		var csums [][]byte
		if opts.Csums != nil {
			csums = opts.Csums[i]
		}
		// Built in place: a single value's slices point into the entry,
		// which the preallocated backing array never moves.
		op.akeys = append(op.akeys, akeyUpdate{})
		au := &op.akeys[len(op.akeys)-1]
		var di []byte
		verify := opts.Verify
		if alloc == nil {
			di = data[i]
		} else {
			verify = nil
		}
		if err := buildAkeyUpdate(au, &iods[i], di, csums, verify, alloc); err != nil {
			return nil, fmt.Errorf("akey %q: %w", iods[i].Name, err)
		}
		for j := range op.akeys[:i] {
			if op.akeys[j].name == au.name {
				return nil, daos.Errorf(daos.ErrInval, "akey %q appears twice", iods[i].Name)
			}
		}
	}
	return op, nil
}

func checkKey(what string, k []byte) error {
	if len(k) == 0 || len(k) > MaxKeyBytes {
		return daos.Errorf(daos.ErrInval, "%s of %d bytes (want 1 to %d)", what, len(k), MaxKeyBytes)
	}
	return nil
}

// aliasString views b as a string without copying. The string must not
// outlive the call that received b, nor be kept by the index (which copies
// the names it stores).
func aliasString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func buildAkeyUpdate(au *akeyUpdate, iod *daos.IOD, data []byte, csums [][]byte, verify func(data, csum []byte) bool,
	alloc func(n uint64) ([]byte, error)) error {
	if err := checkKey("akey", iod.Name); err != nil {
		return err
	}
	au.name, au.typ, au.size = aliasString(iod.Name), iod.Type, iod.Size
	switch iod.Type {
	case daos.IODSingle:
		if len(iod.Recxs) != 0 {
			return daos.Errorf(daos.ErrInval, "single value with %d extents", len(iod.Recxs))
		}
		if len(csums) > 1 {
			return daos.Errorf(daos.ErrInval, "%d checksums for one value", len(csums))
		}
		if len(firstOrNil(csums)) > maxCsumBytes {
			return daos.Errorf(daos.ErrInval, "checksum of %d bytes (at most %d)", len(csums[0]), maxCsumBytes)
		}
		if alloc != nil {
			var err error
			if data, err = alloc(iod.Size); err != nil {
				return err
			}
		}
		if uint64(len(data)) != iod.Size {
			return daos.Errorf(daos.ErrIoInval, "value of %d bytes, IOD says %d", len(data), iod.Size)
		}
		au.oneVal[0] = opValue{inline: data}
		au.oneCsum[0] = firstOrNil(csums)
		au.vals, au.csums = au.oneVal[:], au.oneCsum[:]
	case daos.IODArray:
		if len(iod.Recxs) == 0 || len(iod.Recxs) > MaxRecxs {
			return daos.Errorf(daos.ErrInval, "%d extents (want 1 to %d)", len(iod.Recxs), MaxRecxs)
		}
		if csums != nil && len(csums) != len(iod.Recxs) {
			return daos.Errorf(daos.ErrInval, "%d checksums for %d extents", len(csums), len(iod.Recxs))
		}
		au.vals = make([]opValue, 0, len(iod.Recxs))
		au.csums = make([][]byte, 0, len(iod.Recxs))
		off := uint64(0)
		for j, r := range iod.Recxs {
			if r.Nr == 0 || r.End() < r.Idx {
				return daos.Errorf(daos.ErrInval, "extent %s is empty or overflows", r)
			}
			n := r.Nr * iod.Size
			if iod.Size != 0 && n/iod.Size != r.Nr {
				return daos.Errorf(daos.ErrInval, "extent %s of %d-byte records overflows", r, iod.Size)
			}
			if len(nthOrNil(csums, j)) > maxCsumBytes {
				return daos.Errorf(daos.ErrInval, "checksum of extent %s is %d bytes (at most %d)", r, len(csums[j]), maxCsumBytes)
			}
			var seg []byte
			if alloc != nil {
				var err error
				if seg, err = alloc(n); err != nil {
					return err
				}
			} else {
				if off+n > uint64(len(data)) || off+n < off {
					return daos.Errorf(daos.ErrIoInval, "data of %d bytes is short of the extents", len(data))
				}
				seg = data[off : off+n]
			}
			au.vals = append(au.vals, opValue{inline: seg})
			au.csums = append(au.csums, nthOrNil(csums, j))
			off += n
		}
		if alloc == nil && off != uint64(len(data)) {
			return daos.Errorf(daos.ErrIoInval, "data of %d bytes, extents hold %d", len(data), off)
		}
		au.recxs = iod.Recxs
	default:
		return daos.Errorf(daos.ErrInval, "IOD type %d", iod.Type)
	}
	if verify != nil {
		for j, v := range au.vals {
			if au.csums[j] != nil && !verify(v.inline, au.csums[j]) {
				return daos.Errorf(daos.ErrCsum, "value %d does not match its checksum", j)
			}
		}
	}
	return nil
}

func firstOrNil(c [][]byte) []byte { return nthOrNil(c, 0) }

func nthOrNil(c [][]byte, i int) []byte {
	if i < len(c) {
		return c[i]
	}
	return nil
}

// admitUpdate checks conditions and space, and moves large values to NVMe.
// When it fails nothing has changed.
func (p *Pool) admitUpdate(ctx context.Context, op *updateOp, iods []daos.IOD, flags daos.CondFlags) error {
	c, err := p.container(op.cont)
	if err != nil {
		return err
	}
	if err := c.checkWritable(op.epoch); err != nil {
		return err
	}
	if err := checkUpdateConds(c, op, iods, flags); err != nil {
		return err
	}
	cost := p.updateSCMCost(c, op)
	if err := checkAkeyTypes(op); err != nil {
		return err
	}
	if err := p.haveSCM(cost); err != nil {
		return err
	}
	return nil
}

// largeValues reports whether op has values that go to NVMe (if the pool
// has a device).
func (p *Pool) largeValues(op *updateOp) bool {
	for i := range op.akeys {
		for _, v := range op.akeys[i].vals {
			if uint64(len(v.inline)) >= p.opts.InlineThreshold {
				return true
			}
		}
	}
	return false
}

// writeLargeValues moves op's large values to NVMe before the update takes
// the pool's lock: the extents are fresh and nothing references them, so
// nothing else can see them, and concurrent updates share the device sync.
// It returns the extents written, for the caller to release if the update
// is then refused.
func (p *Pool) writeLargeValues(ctx context.Context, op *updateOp) ([]extent, error) {
	if !p.largeValues(op) {
		return nil, nil
	}
	p.mu.RLock()
	nvme, failed := p.nvme, p.failed
	p.mu.RUnlock()
	if failed != nil {
		return nil, failed
	}
	return moveToNVMe(ctx, nvme, p.opts.InlineThreshold, op)
}

// releaseUnreferenced gives back extents written for an update that was
// refused before its record was staged: no reader can have seen them.
func releaseUnreferenced(nvme valueStore, written []extent) {
	for _, w := range written {
		nvme.release(w)
	}
}

// moveToNVMe writes values at or above threshold to NVMe extents and makes
// them durable, before the journal record that references them.
func moveToNVMe(ctx context.Context, nvme valueStore, threshold uint64, op *updateOp) ([]extent, error) {
	if nvme == nil {
		return nil, nil
	}
	var written []extent
	fail := func(err error) ([]extent, error) {
		releaseUnreferenced(nvme, written)
		for i := range op.akeys {
			for j := range op.akeys[i].vals {
				op.akeys[i].vals[j].ext = nil
			}
		}
		return nil, err
	}
	for i := range op.akeys {
		for j := range op.akeys[i].vals {
			v := &op.akeys[i].vals[j]
			if uint64(len(v.inline)) < threshold {
				continue
			}
			e, err := nvme.write(ctx, v.inline)
			if err != nil {
				return fail(err)
			}
			written = append(written, e)
			v.ext = &e
		}
	}
	if len(written) == 0 {
		return nil, nil
	}
	if err := nvme.sync(ctx); err != nil {
		return fail(err)
	}
	for i := range op.akeys {
		for j := range op.akeys[i].vals {
			if v := &op.akeys[i].vals[j]; v.ext != nil {
				v.inline = nil
			}
		}
	}
	return written, nil
}

// goesToNVMe reports whether a value lives (or will live) on NVMe.
func (p *Pool) goesToNVMe(v opValue) bool {
	return v.ext != nil || (p.nvme != nil && uint64(len(v.inline)) >= p.opts.InlineThreshold)
}

// updateSCMCost is the SCM an update will take: new keys and versions, and
// the inline values (those below the NVMe threshold).
func (p *Pool) updateSCMCost(c *container, op *updateOp) uint64 {
	cost := uint64(0)
	o := c.object(op.oid, false)
	if o == nil {
		cost += recordOverheadBytes
	}
	var d *dkey
	var at finger
	if o != nil {
		d, at = o.dkeys.find(op.dkey)
	}
	op.found.searched, op.found.o, op.found.d, op.found.at = true, o, d, at
	if d == nil {
		cost += recordOverheadBytes + uint64(len(op.dkey))
	}
	for _, au := range op.akeys {
		if d == nil || !d.akeys.Has(&akey{name: au.name}) {
			cost += recordOverheadBytes + uint64(len(au.name))
		}
		for _, v := range au.vals {
			cost += recordOverheadBytes
			if !p.goesToNVMe(v) {
				cost += uint64(len(v.inline))
			}
		}
	}
	return cost
}

// checkAkeyTypes refuses to mix kinds in one akey: an akey that holds
// single values takes no extents and the other way round, as in DAOS,
// until its old kind is gone (aggregated or discarded). It uses the keys
// updateSCMCost found.
func checkAkeyTypes(op *updateOp) error {
	d := op.found.d
	if d == nil {
		return nil
	}
	for i := range op.akeys {
		au := &op.akeys[i]
		a, ok := d.akeys.getName(au.name)
		if !ok {
			continue
		}
		if au.typ == daos.IODSingle && len(a.extents()) > 0 {
			return daos.Errorf(daos.ErrInval, "akey %q holds array extents, not a single value", au.name)
		}
		if au.typ == daos.IODArray && len(a.svs) > 0 {
			return daos.Errorf(daos.ErrInval, "akey %q holds a single value, not array extents", au.name)
		}
	}
	return nil
}

// checkUpdateConds applies DAOS's insert/update conditions as of the
// update's epoch: insert needs the key absent (DER_EXIST), update needs it
// present (DER_NONEXIST).
func checkUpdateConds(c *container, op *updateOp, iods []daos.IOD, flags daos.CondFlags) error {
	if flags&(daos.CondDkeyInsert|daos.CondDkeyUpdate|daos.CondAkeyInsert|daos.CondAkeyUpdate|daos.CondPerAkey) == 0 {
		return nil
	}
	v := view{epoch: op.epoch, tx: op.tx}
	latest := view{epoch: daos.EpochMax, tx: op.tx}
	o := c.object(op.oid, false)
	var d *dkey
	floor, lfloor := daos.Epoch(0), daos.Epoch(0)
	if o != nil {
		floor, lfloor = v.floor(0, o.punches), latest.floor(0, o.punches)
		d = o.dkey(op.dkey, false)
	}
	dExists := d != nil && d.exists(v, floor)
	if flags&(daos.CondDkeyInsert|daos.CondDkeyUpdate) != 0 && dExists != (d != nil && d.exists(latest, lfloor)) {
		return condRestart("dkey", op.epoch)
	}
	if flags&daos.CondDkeyInsert != 0 && dExists {
		return daos.Errorf(daos.ErrExist, "conditional insert: dkey exists")
	}
	if flags&daos.CondDkeyUpdate != 0 && !dExists {
		return daos.Errorf(daos.ErrNonexist, "conditional update: dkey does not exist")
	}
	for i, au := range op.akeys {
		af := flags
		if flags&daos.CondPerAkey != 0 {
			af = iods[i].Flags
		}
		if af&(daos.CondAkeyInsert|daos.CondAkeyUpdate) == 0 {
			continue
		}
		aExists, aLatest := false, false
		if d != nil {
			if a, ok := d.akeys.getName(au.name); ok {
				aExists = a.exists(v, v.floor(floor, d.punchList()))
				aLatest = a.exists(latest, latest.floor(lfloor, d.punchList()))
			}
		}
		if aExists != aLatest {
			return condRestart("akey", op.epoch)
		}
		if af&daos.CondAkeyInsert != 0 && aExists {
			return daos.Errorf(daos.ErrExist, "conditional insert: akey %q exists", au.name)
		}
		if af&daos.CondAkeyUpdate != 0 && !aExists {
			return daos.Errorf(daos.ErrNonexist, "conditional update: akey %q does not exist", au.name)
		}
	}
	return nil
}

// condRestart refuses a conditional operation whose key changed (came or
// went) after its epoch: decided at that epoch it would contradict what
// was already applied, so the caller retries at a newer epoch (engines
// do, for the epochs they stamp). Conditions thus hold on the latest
// state, whatever order concurrent operations' epochs were taken in.
func condRestart(what string, epoch daos.Epoch) error {
	return daos.Errorf(daos.ErrTxRestart, "conditional operation: the %s changed after epoch %d; retry at a newer epoch", what, epoch)
}

// applyUpdate adds the op's versions to the index. It cannot fail: all
// checks were made before.
func (p *Pool) applyUpdate(op *updateOp) {
	c := p.conts[op.cont]
	// The SCM charge is counted while keys are found or made, with the
	// same rules as updateSCMCost, so each key is looked up once.
	cost := uint64(0)
	o, d, at := op.found.o, op.found.d, op.found.at
	if !op.found.searched {
		if o = c.object(op.oid, false); o != nil {
			d, at = o.dkeys.find(op.dkey)
		}
	}
	// Absent keys were searched for already: insert without searching.
	if o == nil {
		o = newObject(op.oid)
		c.objs.ReplaceOrInsert(o)
		cost += recordOverheadBytes
	}
	o.noteWrite(op.epoch)
	c.gen++
	var made *akey     // the akey made along with a new dkey
	var madeVal string // its first value, stored with it
	var madeValOK bool
	if d == nil {
		if au := &op.akeys[0]; len(op.akeys) == 1 {
			var first []byte
			if v := au.vals[0]; au.typ == daos.IODSingle && v.ext == nil && len(v.inline) <= maxBundledValue {
				first = v.inline
			}
			d, made, madeVal, madeValOK = newDkeyWithAkey(op.dkey, c.intern(au.name), first)
		} else {
			d = newDkey(strings.Clone(op.dkey))
		}
		o.dkeys.insertAt(at, d)
		cost += recordOverheadBytes + uint64(len(op.dkey))
	}
	for i := range op.akeys {
		au := &op.akeys[i]
		a := d.akey(au.name, false)
		if a == nil || a == made {
			if a == nil {
				a = d.akey(c.intern(au.name), true)
			}
			cost += recordOverheadBytes + uint64(len(au.name))
		}
		for _, v := range au.vals {
			cost += recordOverheadBytes
			if !p.goesToNVMe(v) {
				cost += uint64(len(v.inline))
			}
		}
		switch au.typ {
		case daos.IODSingle:
			var val value
			if a == made && madeValOK {
				val = value{inline: madeVal}
			} else {
				val = au.vals[0].stored()
			}
			p.putSV(a, svRec{stamp: stamp{op.epoch, op.tx}, val: val, csum: csumPtr(au.csums[0])})
		case daos.IODArray:
			for j, r := range au.recxs {
				a.setExtents(append(a.extents(), arrRec{stamp: stamp{op.epoch, op.tx}, recx: r, rsize: au.size, val: au.vals[j].stored(), csum: string(au.csums[j])}))
			}
		}
	}
	p.scmUsed += cost
	if op.tx != 0 {
		c.tx(op.tx).touch(o, d)
	}
}

// putSV inserts a single-value version after every version of the same or
// lower epoch: among equal epochs the later write wins. A version the same
// transaction wrote at the same epoch is replaced.
func (p *Pool) putSV(a *akey, r svRec) {
	lo := sort.Search(len(a.svs), func(i int) bool { return a.svs[i].epoch >= r.epoch })
	for i := lo; i < len(a.svs) && a.svs[i].epoch == r.epoch; i++ {
		if a.svs[i].tx == r.tx {
			p.releaseValue(a.svs[i].val)
			a.svs = slices.Delete(a.svs, i, i+1)
			break
		}
	}
	i := sort.Search(len(a.svs), func(i int) bool { return a.svs[i].epoch > r.epoch })
	a.svs = slices.Insert(a.svs, i, r)
}

// checkWritable refuses writes below the aggregation boundary: the
// versions they would be ordered against may be gone, so the writer must
// retry at a newer epoch.
func (c *container) checkWritable(epoch daos.Epoch) error {
	if epoch < c.aggregated {
		return daos.Errorf(daos.ErrTxRestart, "epoch %d is below the aggregated epoch %d", epoch, c.aggregated)
	}
	return nil
}

// object finds (or with create, makes) the object; the SCM was charged by
// updateSCMCost.
func (c *container) object(oid daos.ObjectID, create bool) *object {
	if o := c.objs.Get(oid); o != nil {
		return o
	}
	if !create {
		return nil
	}
	o := newObject(oid)
	c.objs.ReplaceOrInsert(o)
	return o
}

func (o *object) dkey(name string, create bool) *dkey {
	if d := o.dkeys.get(name); d != nil {
		return d
	}
	if !create {
		return nil
	}
	d := newDkey(name)
	o.dkeys.ReplaceOrInsert(d)
	return d
}

// maxInterned bounds the container's table of shared akey names: names
// beyond it are simply not shared.
const maxInterned = 4096

// intern returns one shared copy of an akey name: the same few akey names
// recur under millions of dkeys, and each copy would cost an allocation.
// The result never aliases name's storage.
func (c *container) intern(name string) string {
	if s, ok := c.names[name]; ok {
		return s
	}
	return c.internOwned(strings.Clone(name))
}

// internOwned is intern for a name the caller already owns (decoded from
// a record), which it may keep.
func (c *container) internOwned(name string) string {
	if s, ok := c.names[name]; ok {
		return s
	}
	if len(c.names) < maxInterned {
		c.names[name] = name
	}
	return name
}

func (d *dkey) akey(name string, create bool) *akey {
	if a, ok := d.akeys.getName(name); ok {
		return a
	}
	if !create {
		return nil
	}
	a := &akey{name: name}
	d.akeys.ReplaceOrInsert(a)
	return a
}
