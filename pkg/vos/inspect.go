package vos

// Inspection: what debug and repair tools (ddb) need to look at a pool as
// it is stored rather than as a read sees it. Everything here lists every
// key and every version the index holds, punched, removed or uncommitted
// alike, and changes nothing; repairs go through the ordinary mutation API
// (PunchObject and friends) so that they are journalled like any other
// operation.
//
// Keys are handled as []byte and returned as copies: the caller may keep
// or change them. Nodes are named by a Path, whose text form ("/<cont>/
// <oid>/<dkey>/<akey>") is what ddb prints and parses and what VerifyAll
// reports.

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/daos-go/daos/pkg/daos"
)

// ParseContainerID reads a container UUID in its canonical form,
// 8-4-4-4-12 hexadecimal digits (either case), as ContainerID.String
// writes it.
func ParseContainerID(s string) (ContainerID, error) {
	var c ContainerID
	groups := strings.Split(s, "-")
	lens := []int{8, 4, 4, 4, 12}
	if len(groups) != len(lens) {
		return c, daos.Errorf(daos.ErrInval, "container id %q: want a UUID, 8-4-4-4-12 hex digits", s)
	}
	raw := make([]byte, 0, len(c))
	for i, g := range groups {
		b, err := hex.DecodeString(g)
		if len(g) != lens[i] || err != nil {
			return c, daos.Errorf(daos.ErrInval, "container id %q: group %d %q is not %d hex digits", s, i+1, g, lens[i])
		}
		raw = append(raw, b...)
	}
	copy(c[:], raw)
	return c, nil
}

// FormatKey writes a dkey or akey for people and paths: as text when it is
// printable UTF-8, otherwise as "0x" and its bytes in hex. Text that would
// read back as something else (a "/" would split a path; a leading "0x"
// would be taken for hex) is written in hex too, so that ParseKey always
// returns the same bytes.
func FormatKey(k []byte) string {
	if isPlainKey(k) {
		return string(k)
	}
	return "0x" + hex.EncodeToString(k)
}

func isPlainKey(k []byte) bool {
	if len(k) == 0 || !utf8.Valid(k) || strings.HasPrefix(string(k), "0x") {
		return false
	}
	for _, r := range string(k) {
		if r == '/' || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// ParseKey reads what FormatKey writes: "0x" followed by an even number of
// hex digits is the bytes they spell; anything else is the text itself.
func ParseKey(s string) ([]byte, error) {
	var k []byte
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil, daos.Errorf(daos.ErrInval, "key %q: not hex after 0x (%v)", s, err)
		}
		k = b
	} else {
		k = []byte(s)
	}
	if err := checkKey("key", k); err != nil {
		return nil, fmt.Errorf("key %q: %w", s, err)
	}
	return k, nil
}

// PathLevel says how deep a Path goes.
type PathLevel int

// Levels of a Path, from the pool itself down to one akey.
const (
	LevelPool PathLevel = iota
	LevelContainer
	LevelObject
	LevelDkey
	LevelAkey
)

// String names the level, as error messages name a path's components.
func (l PathLevel) String() string {
	switch l {
	case LevelPool:
		return "pool"
	case LevelContainer:
		return "container"
	case LevelObject:
		return "object"
	case LevelDkey:
		return "dkey"
	case LevelAkey:
		return "akey"
	}
	return fmt.Sprintf("level %d", int(l))
}

// Path names a node of a pool's tree: "/" is the pool, then a container
// UUID, an object id (hi.lo), a dkey and an akey, each as FormatKey writes
// it. Only the fields up to Level are meaningful.
type Path struct {
	Level PathLevel
	Cont  ContainerID
	OID   daos.ObjectID
	Dkey  []byte
	Akey  []byte
}

// String writes the path in the form ParsePath reads.
func (p Path) String() string {
	if p.Level == LevelPool {
		return "/"
	}
	parts := []string{"", p.Cont.String()}
	if p.Level >= LevelObject {
		parts = append(parts, p.OID.String())
	}
	if p.Level >= LevelDkey {
		parts = append(parts, FormatKey(p.Dkey))
	}
	if p.Level >= LevelAkey {
		parts = append(parts, FormatKey(p.Akey))
	}
	return strings.Join(parts, "/")
}

// Shape is the form of a path of p's level, with placeholders for its
// components ("/<cont>/<oid>"), for messages that say what is expected.
func (p Path) Shape() string {
	shape := "/"
	for l, name := range []string{"<cont>", "<oid>", "<dkey>", "<akey>"} {
		if PathLevel(l) < p.Level {
			shape = strings.TrimSuffix(shape, "/") + "/" + name
		}
	}
	return shape
}

// ParsePath reads a path such as "/<cont>/<oid>/<dkey>/<akey>". The
// leading "/" may be left out and one trailing "/" is ignored; "" and "/"
// are the pool. An error names the component that is wrong and why.
func ParsePath(s string) (Path, error) {
	var p Path
	trimmed := strings.TrimSuffix(strings.TrimPrefix(s, "/"), "/")
	if trimmed == "" {
		return p, nil
	}
	parts := strings.Split(trimmed, "/")
	if len(parts) > int(LevelAkey) {
		return p, daos.Errorf(daos.ErrInval, "path %q: %d components, at most %d (container/object/dkey/akey)", s, len(parts), int(LevelAkey))
	}
	for i, part := range parts {
		level := PathLevel(i + 1)
		if err := p.set(level, part); err != nil {
			return Path{}, fmt.Errorf("path %q: component %d (%s): %w", s, i+1, level, err)
		}
		p.Level = level
	}
	return p, nil
}

// set parses one component of a path into its field.
func (p *Path) set(level PathLevel, part string) error {
	if part == "" {
		return daos.Errorf(daos.ErrInval, "empty")
	}
	var err error
	switch level {
	case LevelContainer:
		p.Cont, err = ParseContainerID(part)
	case LevelObject:
		p.OID, err = daos.ParseObjectID(part)
	case LevelDkey:
		p.Dkey, err = ParseKey(part)
	case LevelAkey:
		p.Akey, err = ParseKey(part)
	}
	return err
}

// PunchInfo is one punch recorded on an object or key: reads at or above
// Epoch do not see what was written at or below it.
type PunchInfo struct {
	Epoch daos.Epoch
	Tx    TxID // 0 once committed
}

// punchInfos converts stamps; none gives nil.
func punchInfos(ss []stamp) []PunchInfo {
	if len(ss) == 0 {
		return nil
	}
	out := make([]PunchInfo, len(ss))
	for i, s := range ss {
		out[i] = PunchInfo{Epoch: s.epoch, Tx: s.tx}
	}
	return out
}

// ContainerInfo describes one container as stored.
type ContainerInfo struct {
	ID ContainerID
	// Objects counts every object in the index, including punched ones
	// that aggregation has not removed yet.
	Objects int
	// Aggregated is the aggregation boundary: writes (and punches) below
	// it are refused.
	Aggregated daos.Epoch
	Snapshots  []daos.Epoch // ascending
	OpenTxs    []TxID       // prepared, not yet committed or aborted; ascending
}

// ListContainersInfo describes every container, in id order.
func (p *Pool) ListContainersInfo() []ContainerInfo {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make([]ContainerInfo, 0, len(p.conts))
	for _, id := range p.sortedContainers() {
		c := p.conts[id]
		var txs []TxID
		for tx := range c.txs {
			txs = append(txs, tx)
		}
		slices.Sort(txs)
		out = append(out, ContainerInfo{ID: id, Objects: c.objs.Len(), Aggregated: c.aggregated,
			Snapshots: slices.Clone(c.snaps), OpenTxs: txs})
	}
	return out
}

// sortedContainers lists container ids in byte order; the pool's lock is
// held.
func (p *Pool) sortedContainers() []ContainerID {
	ids := make([]ContainerID, 0, len(p.conts))
	for id := range p.conts {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b ContainerID) int { return slices.Compare(a[:], b[:]) })
	return ids
}

// ObjectInfo describes one object as stored.
type ObjectInfo struct {
	OID     daos.ObjectID
	Dkeys   int // dkeys in the index, punched ones included
	Punches []PunchInfo
}

// ListObjectInfo describes every object of the container in the index, in
// object id order, whether or not a read would see it. A missing container
// is DER_NONEXIST.
func (p *Pool) ListObjectInfo(cont ContainerID) ([]ObjectInfo, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	c, err := p.container(cont)
	if err != nil {
		return nil, fmt.Errorf("list objects: %w", err)
	}
	out := make([]ObjectInfo, 0, c.objs.Len())
	c.objs.Ascend(func(o *object) bool {
		out = append(out, ObjectInfo{OID: o.oid, Dkeys: o.dkeys.Len(), Punches: punchInfos(o.punches)})
		return true
	})
	return out, nil
}

// DkeyInfo describes one dkey as stored.
type DkeyInfo struct {
	Name    []byte
	Akeys   int // akeys in the index, punched ones included
	Punches []PunchInfo
}

// ListDkeyInfo describes every dkey of the object in the index, in key
// order. A missing container or object is DER_NONEXIST.
func (p *Pool) ListDkeyInfo(cont ContainerID, oid daos.ObjectID) ([]DkeyInfo, error) {
	at := Path{Level: LevelObject, Cont: cont, OID: oid}
	p.mu.RLock()
	defer p.mu.RUnlock()
	o, err := p.findObject(at)
	if err != nil {
		return nil, fmt.Errorf("list dkeys: %w", err)
	}
	out := make([]DkeyInfo, 0, o.dkeys.Len())
	o.dkeys.Ascend(func(d *dkey) bool {
		out = append(out, DkeyInfo{Name: []byte(d.name), Akeys: d.akeys.Len(), Punches: punchInfos(d.punchList())})
		return true
	})
	return out, nil
}

// AkeyInfo describes one akey as stored.
type AkeyInfo struct {
	Name []byte
	// Singles counts single-value versions (removals included), Extents
	// array extents (punched ranges included).
	Singles, Extents int
	Punches          []PunchInfo
}

// Type is IODSingle or IODArray by what the akey holds; IODNone when it
// holds no version (only punches) or, which DAOS never writes but the
// index accepts, both kinds.
func (a AkeyInfo) Type() daos.IODType {
	switch {
	case a.Singles > 0 && a.Extents == 0:
		return daos.IODSingle
	case a.Extents > 0 && a.Singles == 0:
		return daos.IODArray
	default:
		return daos.IODNone
	}
}

// ListAkeyInfo describes every akey of the dkey in the index, in key
// order. A missing container, object or dkey is DER_NONEXIST.
func (p *Pool) ListAkeyInfo(cont ContainerID, oid daos.ObjectID, dkeyName []byte) ([]AkeyInfo, error) {
	at := Path{Level: LevelDkey, Cont: cont, OID: oid, Dkey: dkeyName}
	p.mu.RLock()
	defer p.mu.RUnlock()
	d, err := p.findDkey(at)
	if err != nil {
		return nil, fmt.Errorf("list akeys: %w", err)
	}
	out := make([]AkeyInfo, 0, d.akeys.Len())
	d.akeys.Ascend(func(a *akey) bool {
		out = append(out, AkeyInfo{Name: []byte(a.name), Singles: len(a.svs), Extents: len(a.extents()), Punches: punchInfos(a.punchList())})
		return true
	})
	return out, nil
}

// VersionInfo is one stored version of an akey: a single value written at
// one epoch, or one array extent.
type VersionInfo struct {
	// Index is the version's position among the akey's stored versions:
	// single values in epoch order, then array extents in the order they
	// were applied (the later wins among equal epochs). ReadVersion takes
	// it. Any change to the akey may shift it.
	Index int
	Type  daos.IODType // IODSingle or IODArray
	Epoch daos.Epoch
	Tx    TxID // 0 once committed
	// Size is the value size (single; 0 is a removal) or the record size
	// (array; 0 is a punched range).
	Size uint64
	Recx daos.Recx // array only
	// Bytes is what is stored: Size for a single value, Recx.Nr*Size for
	// an extent.
	Bytes uint64
	// OnNVMe says the bytes are in an NVMe extent at NVMeOffset with
	// CRC-32C NVMeCRC; otherwise they are inline in SCM.
	OnNVMe     bool
	NVMeOffset uint64
	NVMeCRC    uint32
	// Csum is the checksum the client stored with the data; nil if none.
	Csum []byte
}

// Removal reports whether the version stores nothing: a removed single
// value or a punched array range.
func (v VersionInfo) Removal() bool { return v.Size == 0 }

// Where is "scm" or "nvme@<byte offset>".
func (v VersionInfo) Where() string {
	if v.OnNVMe {
		return fmt.Sprintf("nvme@%d", v.NVMeOffset)
	}
	return "scm"
}

// Label names the version within its akey's path: "@<epoch>" for a single
// value, "[idx, end)@<epoch>" for an extent, followed by " tx <id>" while
// uncommitted (a transaction may write the epoch a committed version has).
func (v VersionInfo) Label() string {
	s := fmt.Sprintf("@%d", v.Epoch)
	if v.Type == daos.IODArray {
		s = v.Recx.String() + s
	}
	if v.Tx != 0 {
		s += fmt.Sprintf(" tx %d", v.Tx)
	}
	return s
}

// Versions lists every stored version of the akey, in Index order,
// whatever a read would see: removals, versions hidden by punches or by
// newer versions, and uncommitted versions included. A missing container or key is
// DER_NONEXIST.
func (p *Pool) Versions(cont ContainerID, oid daos.ObjectID, dkeyName, akeyName []byte) ([]VersionInfo, error) {
	at := Path{Level: LevelAkey, Cont: cont, OID: oid, Dkey: dkeyName, Akey: akeyName}
	p.mu.RLock()
	defer p.mu.RUnlock()
	a, err := p.findAkey(at)
	if err != nil {
		return nil, fmt.Errorf("list versions: %w", err)
	}
	return a.versions(), nil
}

// versions describes the akey's versions; the pool's lock is held.
func (a *akey) versions() []VersionInfo {
	out := make([]VersionInfo, 0, len(a.svs)+len(a.extents()))
	for i := range a.svs {
		r := &a.svs[i]
		out = append(out, newVersionInfo(len(out), daos.IODSingle, r.stamp, r.size(), daos.Recx{}, r.size(), r.val, csumBytes(csumOf(r.csum))))
	}
	for i := range a.extents() {
		r := &a.extents()[i]
		out = append(out, newVersionInfo(len(out), daos.IODArray, r.stamp, r.rsize, r.recx, r.bytes(), r.val, csumBytes(r.csum)))
	}
	return out
}

func newVersionInfo(index int, typ daos.IODType, s stamp, size uint64, recx daos.Recx, n uint64, v value, csum []byte) VersionInfo {
	vi := VersionInfo{Index: index, Type: typ, Epoch: s.epoch, Tx: s.tx, Size: size, Recx: recx, Bytes: n,
		OnNVMe: v.onNVMe(), Csum: slices.Clone(csum)}
	if v.ext != nil {
		vi.NVMeOffset, vi.NVMeCRC = v.ext.Off, v.ext.CRC
	}
	return vi
}

// ReadVersion returns the bytes of one stored version, named by its Index
// and Epoch from Versions, through the same path a fetch takes, so that a
// damaged NVMe extent is DER_CSUM (and an unreadable one DER_NVME_IO)
// rather than returned. A removal reads as no bytes. The epoch must match
// the version at index: an index taken before the akey changed is refused
// (DER_NONEXIST) instead of read from another version. A value whose
// stored length disagrees with the index is DER_DF_INVAL.
func (p *Pool) ReadVersion(ctx context.Context, cont ContainerID, oid daos.ObjectID, dkeyName, akeyName []byte,
	epoch daos.Epoch, index int) ([]byte, error) {
	at := Path{Level: LevelAkey, Cont: cont, OID: oid, Dkey: dkeyName, Akey: akeyName}
	p.mu.RLock()
	defer p.mu.RUnlock()
	a, err := p.findAkey(at)
	if err != nil {
		return nil, fmt.Errorf("read version: %w", err)
	}
	if index < 0 || index >= len(a.svs)+len(a.extents()) || a.versionEpoch(index) != epoch {
		return nil, fmt.Errorf("read version: %w", daos.Errorf(daos.ErrNonexist, "%s has no version %d at epoch %d", at, index, epoch))
	}
	data, err := p.readStored(ctx, a, index)
	if err != nil {
		return nil, fmt.Errorf("read version %d of %s: %w", index, at, err)
	}
	return slices.Clone(data), nil
}

// versionEpoch is the epoch of the version at a valid index.
func (a *akey) versionEpoch(index int) daos.Epoch {
	if index < len(a.svs) {
		return a.svs[index].epoch
	}
	return a.extents()[index-len(a.svs)].epoch
}

// readStored reads the version at a valid index; the pool's lock is held.
// The returned slice may alias the index.
func (p *Pool) readStored(ctx context.Context, a *akey, index int) ([]byte, error) {
	var v value
	var want uint64
	if index < len(a.svs) {
		v, want = a.svs[index].val, a.svs[index].size()
	} else {
		r := &a.extents()[index-len(a.svs)]
		v, want = r.val, r.bytes()
	}
	if v.ext == nil {
		if uint64(len(v.inline)) != want {
			return nil, daos.Errorf(daos.ErrDfInval, "holds %d bytes inline, the index says %d", len(v.inline), want)
		}
		return v.bytes(), nil
	}
	if v.ext.Len != want {
		return nil, daos.Errorf(daos.ErrDfInval, "NVMe extent at offset %d holds %d bytes, the index says %d", v.ext.Off, v.ext.Len, want)
	}
	if p.nvme == nil {
		// Open refuses such an index; a closed pool gets here.
		return nil, daos.Errorf(daos.ErrDfInval, "value is on NVMe but the pool has no NVMe open")
	}
	return p.readValue(ctx, v, want)
}

// VerifyAll reads every stored version of every akey in the pool (all
// versions, not only the visible ones) and calls report, with the
// version's path (Path.String followed by VersionInfo.Label) and the
// error, for each one that cannot be read or fails its checksum. It
// returns how many versions it read and how many failed; it stops early,
// returning the context's error, if ctx ends.
//
// The pool's read lock is taken per akey rather than for the whole scan,
// so that a live pool's writers wait for one akey's reads at a time; an
// akey removed meanwhile is skipped. report is called without the lock
// held and may use the pool.
func (p *Pool) VerifyAll(ctx context.Context, report func(path string, err error)) (checked, bad int, err error) {
	for _, at := range p.akeyPaths() {
		if err := ctx.Err(); err != nil {
			return checked, bad, fmt.Errorf("verify VOS pool: %w", err)
		}
		n, failures := p.verifyAkey(ctx, at)
		checked += n
		for _, f := range failures {
			bad++
			report(f.path, f.err)
		}
	}
	return checked, bad, nil
}

type readFailure struct {
	path string
	err  error
}

// akeyPaths lists the path of every akey in the pool, containers in id
// order and keys in key order.
func (p *Pool) akeyPaths() []Path {
	p.mu.RLock()
	defer p.mu.RUnlock()
	var out []Path
	for _, id := range p.sortedContainers() {
		p.conts[id].objs.Ascend(func(o *object) bool {
			o.dkeys.Ascend(func(d *dkey) bool {
				d.akeys.Ascend(func(a *akey) bool {
					out = append(out, Path{Level: LevelAkey, Cont: id, OID: o.oid, Dkey: []byte(d.name), Akey: []byte(a.name)})
					return true
				})
				return true
			})
			return true
		})
	}
	return out
}

// verifyAkey reads each version of one akey and returns how many it read
// and which failed.
func (p *Pool) verifyAkey(ctx context.Context, at Path) (int, []readFailure) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	a, err := p.findAkey(at)
	if err != nil {
		return 0, nil // removed since it was listed: nothing left to damage
	}
	var failures []readFailure
	vs := a.versions()
	for i, v := range vs {
		if _, err := p.readStored(ctx, a, i); err != nil {
			failures = append(failures, readFailure{path: at.String() + v.Label(), err: err})
		}
	}
	return len(vs), failures
}

// MaxEpoch is the newest epoch stamped on anything in the container:
// versions and punches, uncommitted ones included; 0 if it holds nothing.
// A repair that must override everything there writes above it.
func (p *Pool) MaxEpoch(cont ContainerID) (daos.Epoch, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	c, err := p.container(cont)
	if err != nil {
		return 0, fmt.Errorf("newest epoch: %w", err)
	}
	newest := daos.Epoch(0)
	see := func(s stamp) { newest = max(newest, s.epoch) }
	c.objs.Ascend(func(o *object) bool {
		eachStamp(o, see)
		return true
	})
	return newest, nil
}

// eachStamp visits every punch and version stamp of the object.
func eachStamp(o *object, f func(stamp)) {
	for _, s := range o.punches {
		f(s)
	}
	o.dkeys.Ascend(func(d *dkey) bool {
		for _, s := range d.punchList() {
			f(s)
		}
		d.akeys.Ascend(func(a *akey) bool {
			for _, s := range a.punchList() {
				f(s)
			}
			for i := range a.svs {
				f(a.svs[i].stamp)
			}
			for i := range a.extents() {
				f(a.extents()[i].stamp)
			}
			return true
		})
		return true
	})
}

// StoreInfo describes a durable pool's files.
type StoreInfo struct {
	// Dir is the pool's directory; empty for a pool in DRAM only, whose
	// other fields are then zero.
	Dir string
	// JournalBytes is the journal's size; JournalUsed the bytes in use
	// (its header included). The journal is checkpointed and emptied when
	// three quarters full.
	JournalBytes, JournalUsed int64
	// Checkpoint says whether a checkpoint file exists, and
	// CheckpointBytes its size.
	Checkpoint      bool
	CheckpointBytes int64
}

// StoreInfo describes the pool's journal and checkpoint.
func (p *Pool) StoreInfo() (StoreInfo, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.store == nil {
		return StoreInfo{}, nil
	}
	st := p.store
	info := StoreInfo{Dir: st.dir, JournalBytes: st.log.Size(), JournalUsed: st.log.Used()}
	// Checkpoints are written under the pool's write lock, so the file
	// does not change while it is looked at.
	fi, err := os.Stat(filepath.Join(st.dir, checkpointName))
	switch {
	case err == nil:
		info.Checkpoint, info.CheckpointBytes = true, fi.Size()
	case !errors.Is(err, fs.ErrNotExist):
		return info, fmt.Errorf("look for the checkpoint of %s: %w", st.dir, err)
	}
	return info, nil
}

// findObject finds the object at a path; the pool's lock is held.
func (p *Pool) findObject(at Path) (*object, error) {
	c, err := p.container(at.Cont)
	if err != nil {
		return nil, err
	}
	o := c.object(at.OID, false)
	if o == nil {
		return nil, daos.Errorf(daos.ErrNonexist, "object %s is not in container %s", at.OID, at.Cont)
	}
	return o, nil
}

// findDkey finds the dkey at a path; the pool's lock is held.
func (p *Pool) findDkey(at Path) (*dkey, error) {
	o, err := p.findObject(at)
	if err != nil {
		return nil, err
	}
	d := o.dkey(string(at.Dkey), false)
	if d == nil {
		return nil, daos.Errorf(daos.ErrNonexist, "dkey %s is not in object %s/%s", FormatKey(at.Dkey), at.Cont, at.OID)
	}
	return d, nil
}

// findAkey finds the akey at a path; the pool's lock is held.
func (p *Pool) findAkey(at Path) (*akey, error) {
	d, err := p.findDkey(at)
	if err != nil {
		return nil, err
	}
	a := d.akey(string(at.Akey), false)
	if a == nil {
		return nil, daos.Errorf(daos.ErrNonexist, "akey %s is not in %s", FormatKey(at.Akey), Path{Level: LevelDkey, Cont: at.Cont, OID: at.OID, Dkey: at.Dkey})
	}
	return a, nil
}
