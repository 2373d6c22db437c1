package main

/*
#include <stdlib.h>
#include <daos.h>
*/
import "C"

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// Container properties that are not in the container service's catalogue
// but in the container record itself.
const (
	propOwner      = 0x100d
	propOwnerGroup = 0x100e
)

// fillProp sets one entry from the container's information; entries the
// library cannot report are marked not set.
func fillProp(e *C.struct_daos_prop_entry, ci *poolsvc.ContInfo, acl []string) error {
	val := (*C.uint64_t)(unsafe.Pointer(&e.anon0))
	str := (**C.char)(unsafe.Pointer(&e.anon0))
	setStr := func(s string) {
		// What the entry held is the caller's (a literal, a buffer,
		// garbage in an entry it did not clear): replaced, never freed,
		// as DAOS does.
		*str = C.CString(s) // freed by daos_prop_free, with free()
	}
	e.dpe_flags &^= C.DAOS_PROP_ENTRY_NOT_SET
	switch uint32(e.dpe_type) {
	case propOwner:
		setStr(ci.Owner)
		return nil
	case propOwnerGroup:
		setStr(ci.Group)
		return nil
	case poolsvc.ContPropStatus:
		// DAOS's packing (DAOS_PROP_CO_STATUS_VAL): the status in bits
		// 32-47, flags above, the pool map version below (not kept).
		var st uint64
		if strings.EqualFold(ci.Status, "unclean") {
			st = C.DAOS_PROP_CO_UNCLEAN
		}
		*val = C.uint64_t(st << 32)
		return nil
	case propContACL:
		p, err := aclToC(acl)
		if err != nil {
			return err
		}
		*(*unsafe.Pointer)(unsafe.Pointer(&e.anon0)) = p
		return nil
	}
	d, err := poolsvc.LookupContPropNumber(uint32(e.dpe_type))
	if err != nil {
		e.dpe_flags |= C.DAOS_PROP_ENTRY_NOT_SET
		return nil
	}
	v, ok := ci.Props[d.Name]
	if !ok {
		e.dpe_flags |= C.DAOS_PROP_ENTRY_NOT_SET
		return nil
	}
	if d.String {
		setStr(v)
		return nil
	}
	p, err := d.Parse(v)
	if err != nil {
		// Read-only numbers (layout and object versions, the snapshot
		// limit, ...) are reported as the service formats them, but not
		// taken back by Parse.
		n, nerr := strconv.ParseUint(v, 10, 64)
		if nerr != nil {
			e.dpe_flags |= C.DAOS_PROP_ENTRY_NOT_SET
			return nil
		}
		p.Num = n
	}
	*val = C.uint64_t(p.Num)
	return nil
}

// queryProps answers daos_cont_query's property list: the entries asked
// for, or every property when the list has none (entries allocated with
// calloc, as daos_prop_free expects). acl is the container's ACL, read
// beforehand when propAsked (all properties include it, as in DAOS, so
// a caller without the get-acl permission must name the ones it wants).
func queryProps(out *C.daos_prop_t, ci *poolsvc.ContInfo, acl []string) error {
	if out.dpp_nr == 0 {
		var types []uint32
		for name := range ci.Props {
			if d, err := poolsvc.LookupContProp(name); err == nil && d.Number != 0 {
				types = append(types, d.Number)
			}
		}
		types = append(types, propOwner, propOwnerGroup, propContACL)
		sort.Slice(types, func(i, j int) bool { return types[i] < types[j] })
		es := (*C.struct_daos_prop_entry)(C.calloc(C.size_t(len(types)), C.size_t(unsafe.Sizeof(C.struct_daos_prop_entry{}))))
		if es == nil {
			return daos.Errorf(daos.ErrNomem, "container query: properties")
		}
		entries := unsafe.Slice(es, len(types))
		for i := range entries {
			entries[i].dpe_type = C.uint32_t(types[i])
		}
		out.dpp_entries, out.dpp_nr = es, C.uint32_t(len(types))
	}
	if out.dpp_entries == nil {
		return inval("container query: %d properties but a NULL entry array", out.dpp_nr)
	}
	entries := unsafe.Slice(out.dpp_entries, int(out.dpp_nr))
	for i := range entries {
		if err := fillProp(&entries[i], ci, acl); err != nil {
			return err
		}
	}
	return nil
}

// propAsked says whether a query's property list asks for typ (an empty
// list asks for everything).
func propAsked(p *C.daos_prop_t, typ uint32) bool {
	if p.dpp_nr == 0 {
		return true
	}
	if p.dpp_entries == nil {
		return false // the query refuses it
	}
	for _, e := range unsafe.Slice(p.dpp_entries, int(p.dpp_nr)) {
		if uint32(e.dpe_type) == typ {
			return true
		}
	}
	return false
}

//export dgo_cont_set_prop
func dgo_cont_set_prop(coh C.uint64_t, cprops *C.daos_prop_t, ev *C.daos_event_t) C.int {
	c, err := lib.Container(uint64(coh))
	if err != nil {
		return failed(ev, err)
	}
	if cprops == nil || cprops.dpp_nr == 0 {
		return failed(ev, inval("container set-prop: no properties"))
	}
	// The owner, group and ACL go as DAOS's set-prop takes them too, each
	// needing its own permission (o, A); they are applied after the
	// other properties, one change after another.
	var o owned
	ps, err := propsOwned(cprops, &o)
	if err != nil {
		return failed(ev, err)
	}
	return run(ev, func(ctx context.Context) error {
		if len(ps) > 0 {
			if err := c.SetProps(ctx, ps); err != nil {
				return err
			}
		}
		if o.owner != "" || o.group != "" {
			if err := c.SetOwner(ctx, o.owner, o.group); err != nil {
				return err
			}
		}
		if o.acl != nil {
			return c.OverwriteACL(ctx, o.acl)
		}
		return nil
	})
}

// cStrings copies n C strings.
func cStrings(n C.int, names **C.char, what string) ([]string, error) {
	if n <= 0 || names == nil || n > maxIODs {
		return nil, inval("%s: %d names (1 to %d)", what, n, maxIODs)
	}
	out := make([]string, n)
	for i, p := range unsafe.Slice(names, int(n)) {
		if p == nil {
			return nil, inval("%s: name %d is NULL", what, i)
		}
		out[i] = C.GoString(p)
	}
	return out, nil
}

// attrStore is what holds user attributes: a container or a pool.
type attrStore interface {
	ListAttrs(ctx context.Context) ([]string, error)
	GetAttrs(ctx context.Context, names ...string) (map[string][]byte, error)
	SetAttrs(ctx context.Context, attrs map[string][]byte) error
	DelAttrs(ctx context.Context, names ...string) error
}

// The attribute calls of containers and pools (what names the caller's
// kind in errors: "container" or "pool").

func listAttr(st attrStore, what string, buf *C.char, size *C.size_t, ev *C.daos_event_t) C.int {
	if size == nil {
		return failed(ev, inval("%s list-attr: NULL size", what))
	}
	var out []byte
	if buf != nil {
		var err error
		if out, err = cBytes(unsafe.Pointer(buf), *size, what+" list-attr"); err != nil {
			return failed(ev, err)
		}
	}
	room := len(out)
	return run(ev, func(ctx context.Context) error {
		names, err := st.ListAttrs(ctx)
		if err != nil {
			return err
		}
		// Names are packed NUL-terminated as long as they fit whole;
		// *size is what all of them need.
		need, off := 0, 0
		for _, n := range names {
			need += len(n) + 1
			if off+len(n)+1 <= room {
				off += copy(out[off:], n)
				out[off] = 0
				off++
			}
		}
		*size = C.size_t(need)
		return nil
	})
}

func getAttr(st attrStore, what string, n C.int, names **C.char, bufs *unsafe.Pointer, sizes *C.size_t, ev *C.daos_event_t) C.int {
	ns, err := cStrings(n, names, what+" get-attr")
	if err != nil {
		return failed(ev, err)
	}
	if sizes == nil {
		return failed(ev, inval("%s get-attr: NULL sizes", what))
	}
	// NULL buffers ask for the sizes only, as a NULL buffer of one does.
	ss := unsafe.Slice(sizes, int(n))
	bs := make([]unsafe.Pointer, n)
	if bufs != nil {
		copy(bs, unsafe.Slice(bufs, int(n)))
	}
	dst := make([][]byte, n)
	for i := range bs {
		if bs[i] != nil {
			if dst[i], err = cBytes(bs[i], ss[i], fmt.Sprintf("%s get-attr: value %d", what, i)); err != nil {
				return failed(ev, err)
			}
		}
	}
	return run(ev, func(ctx context.Context) error {
		got, err := st.GetAttrs(ctx, ns...)
		if err != nil {
			return err
		}
		// Each value is copied as far as its buffer goes; sizes[i] is
		// the value's whole size (a NULL buffer asks for the size only).
		for i, name := range ns {
			v := got[name]
			copy(dst[i], v)
			ss[i] = C.size_t(len(v))
		}
		return nil
	})
}

func setAttr(st attrStore, what string, n C.int, names **C.char, vals *unsafe.Pointer, sizes *C.size_t, ev *C.daos_event_t) C.int {
	ns, err := cStrings(n, names, what+" set-attr")
	if err != nil {
		return failed(ev, err)
	}
	if vals == nil || sizes == nil {
		return failed(ev, inval("%s set-attr: NULL values or sizes", what))
	}
	attrs := make(map[string][]byte, n)
	vs, ss := unsafe.Slice(vals, int(n)), unsafe.Slice(sizes, int(n))
	for i, name := range ns {
		if ss[i] == 0 || vs[i] == nil {
			return failed(ev, inval("%s set-attr %q: empty value", what, name))
		}
		if attrs[name], err = goBytes(vs[i], ss[i], fmt.Sprintf("%s set-attr %q", what, name)); err != nil {
			return failed(ev, err)
		}
	}
	return run(ev, func(ctx context.Context) error { return st.SetAttrs(ctx, attrs) })
}

func delAttr(st attrStore, what string, n C.int, names **C.char, ev *C.daos_event_t) C.int {
	ns, err := cStrings(n, names, what+" del-attr")
	if err != nil {
		return failed(ev, err)
	}
	return run(ev, func(ctx context.Context) error { return st.DelAttrs(ctx, ns...) })
}

//export dgo_cont_list_attr
func dgo_cont_list_attr(coh C.uint64_t, buf *C.char, size *C.size_t, ev *C.daos_event_t) C.int {
	c, err := lib.Container(uint64(coh))
	if err != nil {
		return failed(ev, err)
	}
	return listAttr(c, "container", buf, size, ev)
}

//export dgo_cont_get_attr
func dgo_cont_get_attr(coh C.uint64_t, n C.int, names **C.char, bufs *unsafe.Pointer, sizes *C.size_t, ev *C.daos_event_t) C.int {
	c, err := lib.Container(uint64(coh))
	if err != nil {
		return failed(ev, err)
	}
	return getAttr(c, "container", n, names, bufs, sizes, ev)
}

//export dgo_cont_set_attr
func dgo_cont_set_attr(coh C.uint64_t, n C.int, names **C.char, vals *unsafe.Pointer, sizes *C.size_t, ev *C.daos_event_t) C.int {
	c, err := lib.Container(uint64(coh))
	if err != nil {
		return failed(ev, err)
	}
	return setAttr(c, "container", n, names, vals, sizes, ev)
}

//export dgo_cont_del_attr
func dgo_cont_del_attr(coh C.uint64_t, n C.int, names **C.char, ev *C.daos_event_t) C.int {
	c, err := lib.Container(uint64(coh))
	if err != nil {
		return failed(ev, err)
	}
	return delAttr(c, "container", n, names, ev)
}

//export dgo_pool_list_attr
func dgo_pool_list_attr(poh C.uint64_t, buf *C.char, size *C.size_t, ev *C.daos_event_t) C.int {
	p, err := lib.Pool(uint64(poh))
	if err != nil {
		return failed(ev, err)
	}
	return listAttr(p, "pool", buf, size, ev)
}

//export dgo_pool_get_attr
func dgo_pool_get_attr(poh C.uint64_t, n C.int, names **C.char, bufs *unsafe.Pointer, sizes *C.size_t, ev *C.daos_event_t) C.int {
	p, err := lib.Pool(uint64(poh))
	if err != nil {
		return failed(ev, err)
	}
	return getAttr(p, "pool", n, names, bufs, sizes, ev)
}

//export dgo_pool_set_attr
func dgo_pool_set_attr(poh C.uint64_t, n C.int, names **C.char, vals *unsafe.Pointer, sizes *C.size_t, ev *C.daos_event_t) C.int {
	p, err := lib.Pool(uint64(poh))
	if err != nil {
		return failed(ev, err)
	}
	return setAttr(p, "pool", n, names, vals, sizes, ev)
}

//export dgo_pool_del_attr
func dgo_pool_del_attr(poh C.uint64_t, n C.int, names **C.char, ev *C.daos_event_t) C.int {
	p, err := lib.Pool(uint64(poh))
	if err != nil {
		return failed(ev, err)
	}
	return delAttr(p, "pool", n, names, ev)
}

//export dgo_cont_alloc_oids
func dgo_cont_alloc_oids(coh C.uint64_t, num C.daos_size_t, oid *C.uint64_t, ev *C.daos_event_t) C.int {
	c, err := lib.Container(uint64(coh))
	if err != nil {
		return failed(ev, err)
	}
	if oid == nil || num == 0 {
		return failed(ev, inval("container alloc-oids: NULL oid or 0 ids"))
	}
	return run(ev, func(ctx context.Context) error {
		first, err := c.AllocOIDs(ctx, uint64(num))
		if err == nil {
			*oid = C.uint64_t(first)
		}
		return err
	})
}

//export dgo_cont_create_snap
func dgo_cont_create_snap(coh C.uint64_t, epoch *C.daos_epoch_t, name *C.char, ev *C.daos_event_t) C.int {
	c, err := lib.Container(uint64(coh))
	if err != nil {
		return failed(ev, err)
	}
	var n string
	if name != nil {
		n = C.GoString(name)
	}
	return run(ev, func(ctx context.Context) error {
		e, err := c.CreateSnap(ctx, n)
		if err == nil && epoch != nil {
			*epoch = C.daos_epoch_t(e)
		}
		return err
	})
}

// snapNameMax is DAOS_SNAPSHOT_MAX_LEN: the size of each caller buffer
// daos_cont_list_snap writes a name into, its NUL included.
const snapNameMax = 128

//export dgo_cont_list_snap
func dgo_cont_list_snap(coh C.uint64_t, nr *C.int, epochs *C.daos_epoch_t, names **C.char, anchor *C.daos_anchor_t, ev *C.daos_event_t) C.int {
	c, err := lib.Container(uint64(coh))
	if err != nil {
		return failed(ev, err)
	}
	if nr == nil {
		return failed(ev, inval("container list-snap: NULL count"))
	}
	// As DAOS: no epoch array or a negative count is a count-only call.
	room := int(*nr)
	if epochs == nil || room < 0 {
		room = 0
	}
	return run(ev, func(ctx context.Context) error {
		snaps, err := c.ListSnaps(ctx)
		if err != nil {
			return err
		}
		out := unsafe.Slice(epochs, room)
		var nb []*C.char
		if names != nil {
			nb = unsafe.Slice(names, room)
		}
		for i := 0; i < len(snaps) && i < room; i++ {
			out[i] = C.daos_epoch_t(snaps[i].Epoch)
			// names[i] is a caller buffer of DAOS_SNAPSHOT_MAX_LEN bytes
			// (the header's contract; a NULL one is skipped): the name,
			// cut to fit, NUL-terminated; "" for an unnamed snapshot.
			if nb != nil && nb[i] != nil {
				b := unsafe.Slice((*byte)(unsafe.Pointer(nb[i])), snapNameMax)
				n := copy(b[:snapNameMax-1], snaps[i].Name)
				b[n] = 0
			}
		}
		*nr = C.int(len(snaps))
		if anchor != nil {
			anchor.da_type = C.DAOS_ANCHOR_TYPE_EOF
		}
		return nil
	})
}

//export dgo_cont_destroy_snap
func dgo_cont_destroy_snap(coh C.uint64_t, epr C.daos_epoch_range_t, ev *C.daos_event_t) C.int {
	c, err := lib.Container(uint64(coh))
	if err != nil {
		return failed(ev, err)
	}
	if epr.epr_lo > epr.epr_hi {
		return failed(ev, inval("container destroy-snap: range [%d, %d] is empty", epr.epr_lo, epr.epr_hi))
	}
	// With their object index tables (DER_NONEXIST when the range holds
	// no snapshot).
	return run(ev, func(ctx context.Context) error {
		_, err := c.DestroySnapRange(ctx, daos.Epoch(epr.epr_lo), daos.Epoch(epr.epr_hi))
		return err
	})
}

//export dgo_array_local2global
func dgo_array_local2global(oh C.uint64_t, glob *C.d_iov_t) C.int {
	blob, err := lib.ArrayLocal2Global(uint64(oh))
	return toGlobal(glob, blob, err)
}

//export dgo_array_global2local
func dgo_array_global2local(coh C.uint64_t, glob C.d_iov_t, mode C.uint, oh *C.daos_handle_t) C.int {
	if oh == nil {
		return rc(inval("array global2local: NULL handle"))
	}
	blob, err := fromGlobal(glob)
	if err != nil {
		return rc(err)
	}
	h, err := lib.ArrayGlobal2Local(uint64(coh), blob, uint32(mode))
	if err != nil {
		return rc(err)
	}
	setHandle(oh, h)
	return 0
}

//export dgo_obj_query_key
func dgo_obj_query_key(oh, th C.uint64_t, flags C.uint64_t, dkey, akey *C.daos_key_t, recx *C.daos_recx_t, ev *C.daos_event_t) C.int {
	o, err := objectIO(oh, th)
	if err != nil {
		return failed(ev, err)
	}
	f := daos.QueryFlags(flags)
	// DAOS_GET_DKEY returns the dkey into dkey's buffer; otherwise dkey
	// names the one to look in. Likewise for akeys.
	var dk, ak []byte
	if f&daos.GetDkey == 0 {
		if dk, err = key(dkey, "query key dkey"); err != nil {
			return failed(ev, err)
		}
	} else if dkey == nil {
		return failed(ev, inval("query key: DAOS_GET_DKEY without a dkey buffer"))
	}
	if f&daos.GetAkey == 0 && f&daos.GetRecx != 0 {
		if ak, err = key(akey, "query key akey"); err != nil {
			return failed(ev, err)
		}
	} else if f&daos.GetAkey != 0 && akey == nil {
		return failed(ev, inval("query key: DAOS_GET_AKEY without an akey buffer"))
	}
	if f&daos.GetRecx != 0 && recx == nil {
		return failed(ev, inval("query key: DAOS_GET_RECX without a recx"))
	}
	return run(ev, func(ctx context.Context) error {
		q, err := o.QueryKey(ctx, daos.EpochMax, f, dk, ak)
		if err != nil {
			return err
		}
		put := func(k *C.daos_key_t, v []byte) error {
			if uint64(len(v)) > uint64(k.iov_buf_len) {
				return daos.Errorf(daos.ErrKey2big, "query key: a key of %d bytes in a buffer of %d", len(v), k.iov_buf_len)
			}
			b, err := cBytes(k.iov_buf, C.size_t(len(v)), "query key")
			if err != nil {
				return err
			}
			copy(b, v)
			k.iov_len = C.size_t(len(v))
			return nil
		}
		if f&daos.GetDkey != 0 {
			if err := put(dkey, q.Dkey); err != nil {
				return err
			}
		}
		if f&daos.GetAkey != 0 {
			if err := put(akey, q.Akey); err != nil {
				return err
			}
		}
		if f&daos.GetRecx != 0 {
			recx.rx_idx, recx.rx_nr = C.uint64_t(q.Recx.Idx), C.uint64_t(q.Recx.Nr)
		}
		return nil
	})
}

//export dgo_pool_list_cont
func dgo_pool_list_cont(poh C.uint64_t, ncont *C.daos_size_t, cbuf *C.struct_daos_pool_cont_info, ev *C.daos_event_t) C.int {
	p, err := lib.Pool(uint64(poh))
	if err != nil {
		return failed(ev, err)
	}
	if ncont == nil {
		// The call's own error, event or not, as DAOS answers it.
		return rc(inval("pool list-cont: NULL count"))
	}
	room := uint64(*ncont)
	if cbuf == nil || room == 0 {
		room, cbuf = 0, nil // a count only
	} else if room > maxCBuffer/uint64(unsafe.Sizeof(*cbuf)) {
		return failed(ev, inval("pool list-cont: room for %d containers", room))
	}
	return run(ev, func(ctx context.Context) error {
		conts, err := p.ListContainers(ctx)
		if err != nil {
			return err
		}
		out := unsafe.Slice(cbuf, room)
		for i := 0; i < len(conts) && uint64(i) < room; i++ {
			if err := setUUID(&out[i].pci_uuid, conts[i].UUID); err != nil {
				return err
			}
			lb := unsafe.Slice((*byte)(unsafe.Pointer(&out[i].pci_label[0])), len(out[i].pci_label))
			clear(lb)
			copy(lb[:len(lb)-1], conts[i].Label)
		}
		*ncont = C.daos_size_t(len(conts))
		if cbuf != nil && uint64(len(conts)) > room {
			return daos.Errorf(daos.ErrTrunc, "pool list-cont: %d containers, room for %d", len(conts), room)
		}
		return nil
	})
}

//export dgo_obj_query_max_epoch
func dgo_obj_query_max_epoch(oh, th C.uint64_t, epoch *C.daos_epoch_t, ev *C.daos_event_t) C.int {
	o, err := objectIO(oh, th)
	if err != nil {
		return failed(ev, err)
	}
	if epoch == nil {
		return failed(ev, inval("query max epoch: NULL epoch"))
	}
	return run(ev, func(ctx context.Context) error {
		e, err := o.MaxEpoch(ctx)
		if err == nil {
			*epoch = C.daos_epoch_t(e)
		}
		return err
	})
}
