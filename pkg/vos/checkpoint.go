package vos

import (
	"slices"
	"strings"

	"github.com/daos-go/daos/pkg/daos"
)

// A checkpoint is the whole index in one record, so that a restart loads
// it and replays only the journal records written after it.

const checkpointVersion = 2

// maxCount bounds counts in a checkpoint only loosely: a container may
// hold billions of keys. What stops a corrupt count from allocating is the
// decoder's check against the bytes that are left.
const maxCount = 1 << 40

// encodeIndex serialises every container, key, punch and version.
// Containers are written in id order so the same index gives the same
// bytes.
func (p *Pool) encodeIndex() []byte { return p.appendIndex(nil) }

// appendIndex is encodeIndex appended to b.
func (p *Pool) appendIndex(b []byte) []byte {
	e := encoder{b: b}
	e.u64(checkpointVersion)
	ids := make([]ContainerID, 0, len(p.conts))
	for id := range p.conts {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b ContainerID) int { return slices.Compare(a[:], b[:]) })
	e.u64(uint64(len(ids)))
	for _, id := range ids {
		encodeContainer(&e, p.conts[id])
	}
	return e.b
}

func encodeContainer(e *encoder, c *container) {
	e.cont(c.id)
	e.u64(c.aggregated)
	e.u64(uint64(len(c.snaps)))
	for _, s := range c.snaps {
		e.u64(s)
	}
	txs := make([]TxID, 0, len(c.txs))
	for id := range c.txs {
		txs = append(txs, id)
	}
	slices.Sort(txs)
	e.u64(uint64(len(txs)))
	for _, id := range txs {
		e.u64(uint64(id))
	}
	e.u64(uint64(c.objs.Len()))
	c.objs.Ascend(func(o *object) bool {
		e.oid(o.oid)
		e.stamps(o.punches)
		e.u64(uint64(o.dkeys.Len()))
		o.dkeys.Ascend(func(d *dkey) bool {
			e.str(d.name)
			e.stamps(d.punchList())
			e.u64(uint64(d.akeys.Len()))
			d.akeys.Ascend(func(a *akey) bool {
				encodeAkey(e, a)
				return true
			})
			return true
		})
		return true
	})
}

func encodeAkey(e *encoder, a *akey) {
	e.str(a.name)
	e.stamps(a.punchList())
	e.u64(uint64(len(a.svs)))
	for i := range a.svs {
		r := &a.svs[i]
		e.stamp(r.stamp)
		e.value(r.val)
		e.str(csumOf(r.csum))
	}
	e.u64(uint64(len(a.extents())))
	for i := range a.extents() {
		r := &a.extents()[i]
		e.stamp(r.stamp)
		e.u64(r.recx.Idx)
		e.u64(r.recx.Nr)
		e.u64(r.rsize)
		e.value(r.val)
		e.str(r.csum)
	}
}

// loadIndex replaces the pool's (empty) index with a checkpoint's and
// recomputes the SCM accounting from it.
func (p *Pool) loadIndex(b []byte) error {
	d := decoder{b: b}
	if v := d.u64(); d.err == nil && v != checkpointVersion {
		return daos.Errorf(daos.ErrDfIncompt, "checkpoint format version %d, this build reads %d", v, checkpointVersion)
	}
	n := d.count(1<<20, 16)
	for i := 0; i < n && d.err == nil; i++ {
		c := p.decodeContainer(&d)
		if c == nil {
			break
		}
		if _, dup := p.conts[c.id]; dup {
			return daos.Errorf(daos.ErrDfInval, "checkpoint lists container %s twice", c.id)
		}
		p.conts[c.id] = c
	}
	return d.finish("checkpoint")
}

func (p *Pool) decodeContainer(d *decoder) *container {
	c := newContainer(d.cont())
	c.aggregated = d.u64()
	p.scmUsed += recordOverheadBytes
	ns := d.count(maxCount, 1)
	for i := 0; i < ns && d.err == nil; i++ {
		c.snaps = append(c.snaps, d.u64())
	}
	nt := d.count(maxCount, 1)
	for i := 0; i < nt && d.err == nil; i++ {
		c.tx(TxID(d.u64()))
	}
	no := d.count(maxCount, 3)
	for i := 0; i < no && d.err == nil; i++ {
		o := newObject(d.oid())
		o.punches = d.stamps()
		p.scmUsed += recordOverheadBytes * uint64(1+len(o.punches))
		p.decodeDkeys(d, c, o)
		if !c.objs.Has(o) {
			c.objs.ReplaceOrInsert(o)
		} else {
			d.fail()
		}
	}
	if d.err != nil {
		return nil
	}
	if !c.relinkTransactions() {
		d.err = daos.Errorf(daos.ErrDfInval, "container %s has versions of a transaction it does not list", c.id)
		return nil
	}
	return c
}

// relinkTransactions registers every key with the open transactions that
// own stamps in it, so commit and abort find them after a restart, and
// notes each object's newest change. It reports false if a stamp names a
// transaction that is not open.
func (c *container) relinkTransactions() bool {
	ok := true
	link := func(s stamp, o *object, d *dkey) {
		o.noteWrite(s.epoch)
		tx := s.tx
		if tx == 0 {
			return
		}
		t, open := c.txs[tx]
		if !open {
			ok = false
			return
		}
		t.touch(o, d)
	}
	c.objs.Ascend(func(o *object) bool {
		for _, s := range o.punches {
			link(s, o, nil)
		}
		o.dkeys.Ascend(func(d *dkey) bool {
			for _, s := range d.punchList() {
				link(s, o, d)
			}
			d.akeys.Ascend(func(a *akey) bool {
				for _, s := range a.punchList() {
					link(s, o, d)
				}
				for i := range a.svs {
					link(a.svs[i].stamp, o, d)
				}
				for i := range a.extents() {
					link(a.extents()[i].stamp, o, d)
				}
				return true
			})
			return true
		})
		return true
	})
	return ok
}

func (p *Pool) decodeDkeys(d *decoder, c *container, o *object) {
	nd := d.count(maxCount, 3)
	for i := 0; i < nd && d.err == nil; i++ {
		// The name aliases the checkpoint until the dkey copies it (into
		// its own allocation when it has one akey): one copy, not two.
		name, punches := aliasString(d.bytes(MaxKeyBytes)), d.stamps()
		na := d.count(maxCount, 3)
		var dk *dkey
		var first *akey // decoded into the dkey's own allocation
		if na == 1 {
			dk, first, _, _ = newDkeyWithAkey(name, "", nil)
		} else {
			dk = newDkey(strings.Clone(name))
		}
		dk.setPunches(punches)
		p.scmUsed += recordOverheadBytes*uint64(1+len(dk.punchList())) + uint64(len(dk.name))
		for j := 0; j < na && d.err == nil; j++ {
			a := first
			if a == nil {
				a = &akey{}
			}
			p.decodeAkey(d, a)
			a.name = c.internOwned(a.name)
			if a != first {
				if dk.akeys.Has(a) {
					d.fail()
				}
				dk.akeys.ReplaceOrInsert(a)
			}
		}
		if o.dkeys.Has(dk) {
			d.fail()
		}
		o.dkeys.ReplaceOrInsert(dk)
	}
}

// decodeValue decodes a value, refusing one on NVMe when the pool has no
// NVMe device.
func (p *Pool) decodeValue(d *decoder) value {
	v := d.value()
	if v.ext != nil && p.nvme == nil {
		d.fail()
	}
	return v
}

// decodeAkey fills a, which is empty (or has only room for versions).
func (p *Pool) decodeAkey(d *decoder, a *akey) {
	a.name = d.str(MaxKeyBytes)
	a.setPunches(d.stamps())
	p.scmUsed += recordOverheadBytes*uint64(1+len(a.punchList())) + uint64(len(a.name))
	nsv := d.count(maxCount, 5)
	for i := 0; i < nsv && d.err == nil; i++ {
		r := svRec{stamp: d.stamp(), val: p.decodeValue(d), csum: csumPtr(d.bytes(maxCsumBytes))}
		p.scmUsed += recordOverheadBytes + uint64(len(r.val.inline))
		if len(a.svs) > 0 && a.svs[len(a.svs)-1].epoch > r.epoch {
			d.fail() // versions are stored in epoch order
		}
		a.svs = append(a.svs, r)
	}
	narr := d.count(maxCount, 7)
	for i := 0; i < narr && d.err == nil; i++ {
		r := arrRec{stamp: d.stamp(), recx: daos.Recx{Idx: d.u64(), Nr: d.u64()}, rsize: d.u64(), val: p.decodeValue(d), csum: d.str(maxCsumBytes)}
		if d.err == nil && checkExtentLen(r.recx, r.rsize, r.val.length()) != nil {
			d.fail()
		}
		p.scmUsed += recordOverheadBytes + uint64(len(r.val.inline))
		a.setExtents(append(a.extents(), r))
	}
}
