package main

/*
#include <stdlib.h>
#include <daos.h>

// oit_filter calls the application's daos_oit_list_filter callback:
// cgo cannot call a C function pointer itself.
static int
oit_filter(daos_oit_filter_cb *f, daos_obj_id_t oid, d_iov_t *marker)
{
	return f(oid, marker);
}
*/
import "C"

import (
	"unsafe"

	"github.com/daos-go/daos/pkg/daos"
)

// oitFilter wraps a daos_oit_filter_cb for client.OIT.List: the marker
// is lent to the callback in C memory, freed when it returns. A negative
// answer ends the listing with that code, as DAOS does.
func oitFilter(f *C.daos_oit_filter_cb) func(daos.ObjectID, []byte) (bool, error) {
	return func(id daos.ObjectID, marker []byte) (bool, error) {
		oid := C.daos_obj_id_t{lo: C.uint64_t(id.Lo), hi: C.uint64_t(id.Hi)}
		var iov *C.d_iov_t
		if marker != nil {
			iov = (*C.d_iov_t)(C.calloc(1, C.size_t(unsafe.Sizeof(C.d_iov_t{}))))
			if iov == nil {
				return false, daos.Errorf(daos.ErrNomem, "oit filter: no memory for a marker")
			}
			defer C.free(unsafe.Pointer(iov))
			buf := C.CBytes(marker)
			defer C.free(buf)
			iov.iov_buf = buf
			iov.iov_buf_len = C.size_t(len(marker))
			iov.iov_len = C.size_t(len(marker))
		}
		rc := int(C.oit_filter(f, oid, iov))
		if rc < 0 {
			return false, daos.Errorf(daos.Errno(-rc), "oit filter: the callback answered %d", rc)
		}
		return rc > 0, nil
	}
}
