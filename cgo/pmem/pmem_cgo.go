//go:build pmdk && cgo

package pmem

/*
#cgo pkg-config: libpmem
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libpmem.h>

// Results come back by value so no Go pointer is handed to C for them.
// pmem_errormsg is per thread and the goroutine may switch threads between
// two cgo calls, so the message is copied (and errno saved) inside the call
// that failed; the caller frees msg.
typedef struct {
	void *addr;
	size_t len;
	int is_pmem;
	const char *failed; // name of the libpmem call that failed, or NULL
	int err;
	char *msg;
} gp_result;

static gp_result gp_fail(const char *call) {
	gp_result r = {0};
	r.failed = call;
	r.err = errno;
	r.msg = strdup(pmem_errormsg());
	return r;
}

static gp_result gp_map(const char *path, size_t len, int flags) {
	gp_result r = {0};
	r.addr = pmem_map_file(path, len, flags, 0600, &r.len, NULL);
	if (r.addr == NULL)
		return gp_fail("pmem_map_file");
	// Asked once per mapping and cached, as libpmem advises: the check is
	// not cheap. (It matches the flag pmem_map_file can return.)
	r.is_pmem = pmem_is_pmem(r.addr, r.len);
	return r;
}

// On PMem a cache flush is enough; anywhere else only msync reaches the
// medium, and libpmem's flush and copy routines would do nothing useful.
static gp_result gp_persist(char *base, size_t off, size_t n, int is_pmem) {
	gp_result r = {0};
	if (is_pmem)
		pmem_persist(base + off, n);
	else if (pmem_msync(base + off, n) != 0)
		return gp_fail("pmem_msync");
	return r;
}

static void gp_copy_persist(char *base, size_t off, const void *src, size_t n) {
	pmem_memcpy_persist(base + off, src, n);
}

static gp_result gp_flush(char *base, size_t off, size_t n, int is_pmem) {
	gp_result r = {0};
	if (!is_pmem)
		return gp_persist(base, off, n, 0);
	pmem_flush(base + off, n);
	return r;
}

static gp_result gp_unmap(void *addr, size_t len) {
	gp_result r = {0};
	if (pmem_unmap(addr, len) != 0)
		return gp_fail("pmem_unmap");
	return r;
}
*/
import "C"

import (
	"fmt"
	"syscall"
	"unsafe"
)

// Backend names the implementation behind Create and Open.
const Backend = "pmdk"

func defaultMapper() mapper { m, _ := pmdkMapper(); return m }

func pmdkMapper() (mapper, bool) {
	return mapper{name: "pmdk", create: pmdkCreate, open: pmdkOpen}, true
}

// pmdkRegion is a mapping made by pmem_map_file; data aliases C memory.
type pmdkRegion struct {
	path   string
	base   *C.char
	data   []byte
	onPMem C.int // pmem_is_pmem's answer, asked once
}

func pmdkCreate(path string, size int64) (region, error) {
	return pmdkMap(path, size, C.PMEM_FILE_CREATE|C.PMEM_FILE_EXCL)
}

func pmdkOpen(path string) (region, error) {
	return pmdkMap(path, 0, 0)
}

func pmdkMap(path string, size int64, flags C.int) (region, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	res := C.gp_map(cpath, C.size_t(size), flags)
	if err := cError(path, res); err != nil {
		return nil, err
	}
	return &pmdkRegion{
		path:   path,
		base:   (*C.char)(res.addr),
		data:   unsafe.Slice((*byte)(res.addr), int(res.len)),
		onPMem: res.is_pmem,
	}, nil
}

// cError turns a failed result into an error naming the libpmem call, the
// file and libpmem's own message, wrapping errno for errors.Is.
func cError(path string, res C.gp_result) error {
	if res.failed == nil {
		return nil
	}
	msg := C.GoString(res.msg)
	C.free(unsafe.Pointer(res.msg))
	return &libpmemError{call: C.GoString(res.failed), path: path, msg: msg, errno: syscall.Errno(res.err)}
}

type libpmemError struct {
	call, path, msg string
	errno           syscall.Errno
}

func (e *libpmemError) Error() string {
	return fmt.Sprintf("pmem: %s %s: %s", e.call, e.path, e.msg)
}

func (e *libpmemError) Unwrap() error {
	if e.errno == 0 {
		return nil
	}
	return e.errno
}

func (r *pmdkRegion) bytes() []byte { return r.data }
func (r *pmdkRegion) isPMem() bool  { return r.onPMem != 0 }

func (r *pmdkRegion) persist(off, n int64) error {
	return cError(r.path, C.gp_persist(r.base, C.size_t(off), C.size_t(n), r.onPMem))
}

// copyPersist hands src to C only for the duration of the call. Off PMem
// the copy is Go's (its memmove beats this libc's memcpy by 2x at 1 MiB)
// and libpmem only makes it durable.
func (r *pmdkRegion) copyPersist(off int64, src []byte) error {
	if r.onPMem == 0 {
		copy(r.data[off:], src)
		return r.persist(off, int64(len(src)))
	}
	C.gp_copy_persist(r.base, C.size_t(off), unsafe.Pointer(&src[0]), C.size_t(len(src)))
	return nil
}

func (r *pmdkRegion) flush(off, n int64) error {
	return cError(r.path, C.gp_flush(r.base, C.size_t(off), C.size_t(n), r.onPMem))
}

// drain has nothing to wait for off PMem: flush already did a full msync.
func (r *pmdkRegion) drain() {
	if r.onPMem != 0 {
		C.pmem_drain()
	}
}

func (r *pmdkRegion) unmap() error {
	res := C.gp_unmap(unsafe.Pointer(r.base), C.size_t(len(r.data)))
	r.base, r.data = nil, nil
	return cError(r.path, res)
}
