package main

/*
#include <daos.h>
*/
import "C"

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/daos-go/daos/pkg/daos"
)

// kvKey copies a KV key (a C string).
func kvKey(k *C.char) (string, error) {
	if k == nil {
		return "", inval("KV: NULL key")
	}
	return C.GoString(k), nil
}

//export dgo_kv_open
func dgo_kv_open(coh C.uint64_t, oid C.daos_obj_id_t, mode C.uint, oh *C.daos_handle_t, ev *C.daos_event_t) C.int {
	if oh == nil {
		return failed(ev, inval("KV open: NULL handle"))
	}
	return run(ev, func(context.Context) error {
		h, err := lib.KVOpen(uint64(coh), oidFrom(oid), uint32(mode))
		if err != nil {
			return err
		}
		setHandle(oh, h)
		return nil
	})
}

//export dgo_kv_close
func dgo_kv_close(oh C.uint64_t, ev *C.daos_event_t) C.int {
	return run(ev, func(context.Context) error { return lib.KVClose(uint64(oh)) })
}

//export dgo_kv_destroy
func dgo_kv_destroy(oh, th C.uint64_t, ev *C.daos_event_t) C.int {
	kv, err := kvIO(oh, th, true)
	if err != nil {
		return failed(ev, err)
	}
	return run(ev, func(ctx context.Context) error { return kv.Destroy(ctx) })
}

//export dgo_kv_put
func dgo_kv_put(oh, th, flags C.uint64_t, ckey *C.char, size C.daos_size_t, buf unsafe.Pointer, ev *C.daos_event_t) C.int {
	kv, err := kvIO(oh, th, true)
	if err != nil {
		return failed(ev, err)
	}
	k, err := kvKey(ckey)
	if err != nil {
		return failed(ev, err)
	}
	val, err := cBytes(buf, C.size_t(size), fmt.Sprintf("KV put %q", k))
	if err != nil {
		return failed(ev, err)
	}
	return run(ev, func(ctx context.Context) error { return kv.Put(ctx, k, val, daos.CondFlags(flags)) })
}

//export dgo_kv_get
func dgo_kv_get(oh, th, flags C.uint64_t, ckey *C.char, size *C.daos_size_t, buf unsafe.Pointer, ev *C.daos_event_t) C.int {
	kv, err := kvIO(oh, th, false)
	if err != nil {
		return failed(ev, err)
	}
	k, err := kvKey(ckey)
	if err != nil {
		return failed(ev, err)
	}
	if size == nil {
		return failed(ev, inval("KV get %q: NULL size", k))
	}
	var dst []byte
	if buf != nil && *size > 0 { // else the size only, as DAOS answers
		if dst, err = cBytes(buf, C.size_t(*size), fmt.Sprintf("KV get %q", k)); err != nil {
			return failed(ev, err)
		}
	}
	return run(ev, func(ctx context.Context) error {
		n, err := kv.Get(ctx, k, dst, daos.CondFlags(flags))
		if err == nil || daos.Code(err) == daos.ErrRec2big {
			*size = C.daos_size_t(n)
		}
		return err
	})
}

//export dgo_kv_remove
func dgo_kv_remove(oh, th, flags C.uint64_t, ckey *C.char, ev *C.daos_event_t) C.int {
	kv, err := kvIO(oh, th, true)
	if err != nil {
		return failed(ev, err)
	}
	k, err := kvKey(ckey)
	if err != nil {
		return failed(ev, err)
	}
	return run(ev, func(ctx context.Context) error { return kv.Remove(ctx, k, daos.CondFlags(flags)) })
}

//export dgo_kv_list
func dgo_kv_list(oh, th C.uint64_t, nr *C.uint32_t, kds *C.daos_key_desc_t, sgl *C.d_sg_list_t, anchor *C.daos_anchor_t, ev *C.daos_event_t) C.int {
	kv, err := kvIO(oh, th, false)
	if err != nil {
		return failed(ev, err)
	}
	return listDkeys(ev, kv.Object(), nr, kds, sgl, anchor)
}
