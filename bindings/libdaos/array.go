package main

/*
#include <daos.h>
*/
import "C"

import (
	"context"
	"fmt"
	"unsafe"

	"github.com/daos-go/daos/pkg/client"
)

//export dgo_array_create
func dgo_array_create(coh C.uint64_t, oid C.daos_obj_id_t, th C.uint64_t, cell, chunk C.daos_size_t, oh *C.daos_handle_t, ev *C.daos_event_t) C.int {
	if oh == nil {
		return failed(ev, inval("array create: NULL handle"))
	}
	if err := noTx(th); err != nil {
		return failed(ev, err)
	}
	return run(ev, func(ctx context.Context) error {
		h, err := lib.ArrayCreate(ctx, uint64(coh), oidFrom(oid), uint64(cell), uint64(chunk))
		if err != nil {
			return err
		}
		setHandle(oh, h)
		return nil
	})
}

//export dgo_array_open
func dgo_array_open(coh C.uint64_t, oid C.daos_obj_id_t, th C.uint64_t, mode C.uint, cell, chunk *C.daos_size_t, oh *C.daos_handle_t, ev *C.daos_event_t) C.int {
	if oh == nil || cell == nil || chunk == nil {
		return failed(ev, inval("array open: NULL handle, cell size or chunk size"))
	}
	if err := noTx(th); err != nil {
		return failed(ev, err)
	}
	return run(ev, func(ctx context.Context) error {
		h, a, err := lib.ArrayOpen(ctx, uint64(coh), oidFrom(oid), uint32(mode), 0, 0)
		if err != nil {
			return err
		}
		*cell, *chunk = C.daos_size_t(a.CellSize()), C.daos_size_t(a.ChunkSize())
		setHandle(oh, h)
		return nil
	})
}

//export dgo_array_open_with_attr
func dgo_array_open_with_attr(coh C.uint64_t, oid C.daos_obj_id_t, th C.uint64_t, mode C.uint, cell, chunk C.daos_size_t, oh *C.daos_handle_t, ev *C.daos_event_t) C.int {
	if oh == nil {
		return failed(ev, inval("array open: NULL handle"))
	}
	if err := noTx(th); err != nil {
		return failed(ev, err)
	}
	if cell == 0 || chunk == 0 {
		return failed(ev, inval("array open: cell size %d and chunk size %d must not be 0", cell, chunk))
	}
	return run(ev, func(ctx context.Context) error {
		h, _, err := lib.ArrayOpen(ctx, uint64(coh), oidFrom(oid), uint32(mode), uint64(cell), uint64(chunk))
		if err != nil {
			return err
		}
		setHandle(oh, h)
		return nil
	})
}

//export dgo_array_close
func dgo_array_close(oh C.uint64_t, ev *C.daos_event_t) C.int {
	return run(ev, func(context.Context) error { return lib.ArrayClose(uint64(oh)) })
}

//export dgo_array_get_attr
func dgo_array_get_attr(oh C.uint64_t, chunk, cell *C.daos_size_t) C.int {
	if chunk == nil || cell == nil {
		return rc(inval("array get attr: NULL chunk or cell size"))
	}
	a, err := lib.Array(uint64(oh), false)
	if err != nil {
		return rc(err)
	}
	*chunk, *cell = C.daos_size_t(a.ChunkSize()), C.daos_size_t(a.CellSize())
	return 0
}

// ranges copies an array IOD's ranges.
func ranges(iod *C.daos_array_iod_t) ([]client.Range, error) {
	if iod == nil {
		return nil, inval("array I/O: NULL IOD")
	}
	if iod.arr_nr > 0 && iod.arr_rgs == nil {
		return nil, inval("array I/O: %d ranges but a NULL range array", iod.arr_nr)
	}
	if iod.arr_nr > 1<<20 {
		return nil, inval("array I/O: %d ranges", iod.arr_nr)
	}
	out := make([]client.Range, iod.arr_nr)
	for i, r := range unsafe.Slice(iod.arr_rgs, int(iod.arr_nr)) {
		out[i] = client.Range{Idx: uint64(r.rg_idx), Len: uint64(r.rg_len)}
	}
	return out, nil
}

// sgBufs is an sg list's iovs as buffers: iov_len bytes each for a write,
// iov_buf_len for a read.
func sgBufs(sgl *C.d_sg_list_t, read bool) ([][]byte, error) {
	if sgl == nil {
		return nil, inval("array I/O: NULL sg list")
	}
	vs, err := iovs(sgl)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(vs))
	for i := range vs {
		n := vs[i].iov_len
		if read {
			n = vs[i].iov_buf_len
		} else if n > vs[i].iov_buf_len {
			return nil, inval("iov %d: %d bytes in a buffer of %d", i, n, vs[i].iov_buf_len)
		}
		b, err := cBytes(vs[i].iov_buf, n, fmt.Sprintf("iov %d", i))
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

//export dgo_array_write
func dgo_array_write(oh, th C.uint64_t, iod *C.daos_array_iod_t, sgl *C.d_sg_list_t, ev *C.daos_event_t) C.int {
	a, err := arrayIO(oh, th, true)
	if err != nil {
		return failed(ev, err)
	}
	rs, err := ranges(iod)
	if err != nil {
		return failed(ev, err)
	}
	bufs, err := sgBufs(sgl, false)
	if err != nil {
		return failed(ev, err)
	}
	return run(ev, func(ctx context.Context) error { return a.Write(ctx, rs, bufs) })
}

//export dgo_array_read
func dgo_array_read(oh, th C.uint64_t, iod *C.daos_array_iod_t, sgl *C.d_sg_list_t, ev *C.daos_event_t) C.int {
	a, err := arrayIO(oh, th, false)
	if err != nil {
		return failed(ev, err)
	}
	rs, err := ranges(iod)
	if err != nil {
		return failed(ev, err)
	}
	bufs, err := sgBufs(sgl, true)
	if err != nil {
		return failed(ev, err)
	}
	// The sg list must hold exactly the cells asked for; the iovs' lengths
	// say how much each got.
	_, want, err := client.RangeBytes(rs, a.CellSize())
	if err != nil {
		return failed(ev, err)
	}
	return run(ev, func(ctx context.Context) error {
		bs := trim(bufs, want)
		res, err := a.Read(ctx, rs, bs)
		if err != nil {
			return err
		}
		iod.arr_nr_read = C.daos_size_t(res.Read)
		iod.arr_nr_short_read = C.daos_size_t(res.ShortRead)
		vs, _ := iovs(sgl)
		for i := range vs {
			if i < len(bs) {
				vs[i].iov_len = C.size_t(len(bs[i]))
			} else {
				vs[i].iov_len = 0
			}
		}
		sgl.sg_nr_out = C.uint32_t(len(bs))
		return nil
	})
}

// trim cuts the buffers down to n bytes in all.
func trim(bufs [][]byte, n uint64) [][]byte {
	var out [][]byte
	for _, b := range bufs {
		if n == 0 {
			break
		}
		take := min(uint64(len(b)), n)
		out = append(out, b[:take])
		n -= take
	}
	return out
}

//export dgo_array_get_size
func dgo_array_get_size(oh, th C.uint64_t, size *C.daos_size_t, ev *C.daos_event_t) C.int {
	a, err := arrayIO(oh, th, false)
	if err != nil {
		return failed(ev, err)
	}
	if size == nil {
		return failed(ev, inval("array get size: NULL size"))
	}
	return run(ev, func(ctx context.Context) error {
		n, err := a.GetSize(ctx)
		if err == nil {
			*size = C.daos_size_t(n)
		}
		return err
	})
}

//export dgo_array_set_size
func dgo_array_set_size(oh, th C.uint64_t, size C.daos_size_t, ev *C.daos_event_t) C.int {
	a, err := arrayIO(oh, th, true)
	if err != nil {
		return failed(ev, err)
	}
	return run(ev, func(ctx context.Context) error { return a.SetSize(ctx, uint64(size)) })
}

//export dgo_array_stat
func dgo_array_stat(oh, th C.uint64_t, st *C.daos_array_stbuf_t, ev *C.daos_event_t) C.int {
	a, err := arrayIO(oh, th, false)
	if err != nil {
		return failed(ev, err)
	}
	if st == nil {
		return failed(ev, inval("array stat: NULL stat buffer"))
	}
	return run(ev, func(ctx context.Context) error {
		s, err := a.Stat(ctx)
		if err == nil {
			st.st_size, st.st_max_epoch = C.daos_size_t(s.Size), C.daos_epoch_t(s.MaxEpoch)
		}
		return err
	})
}

//export dgo_array_punch
func dgo_array_punch(oh, th C.uint64_t, iod *C.daos_array_iod_t, ev *C.daos_event_t) C.int {
	a, err := arrayIO(oh, th, true)
	if err != nil {
		return failed(ev, err)
	}
	rs, err := ranges(iod)
	if err != nil {
		return failed(ev, err)
	}
	return run(ev, func(ctx context.Context) error {
		for _, r := range rs {
			if err := a.Punch(ctx, r.Idx, r.Len); err != nil {
				return err
			}
		}
		return nil
	})
}

//export dgo_array_destroy
func dgo_array_destroy(oh, th C.uint64_t, ev *C.daos_event_t) C.int {
	a, err := arrayIO(oh, th, true)
	if err != nil {
		return failed(ev, err)
	}
	return run(ev, func(ctx context.Context) error { return a.Destroy(ctx) })
}
