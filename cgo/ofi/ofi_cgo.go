//go:build ofi && cgo

package ofi

/*
#cgo pkg-config: libfabric
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <rdma/fabric.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_tagged.h>
#include <rdma/fi_rma.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_eq.h>

static uint32_t dgo_api_version(void) { return FI_VERSION(FI_MAJOR_VERSION, FI_MINOR_VERSION); }

// All hints for an RDM endpoint we can drive: we always pass a
// struct fi_context2 per operation, and we handle every basic MR mode.
static int dgo_getinfo(const char *prov, const char *node, const char *service,
		       const char *domain, struct fi_info **out)
{
	struct fi_info *hints = fi_allocinfo();
	int rc;

	if (hints == NULL)
		return -FI_ENOMEM;
	hints->ep_attr->type = FI_EP_RDM;
	hints->caps = FI_TAGGED | FI_MSG | FI_RMA | FI_READ | FI_WRITE |
		      FI_SEND | FI_RECV | FI_REMOTE_READ | FI_REMOTE_WRITE;
	hints->mode = FI_CONTEXT | FI_CONTEXT2;
	hints->domain_attr->threading = FI_THREAD_SAFE;
	hints->domain_attr->mr_mode = FI_MR_LOCAL | FI_MR_VIRT_ADDR | FI_MR_ALLOCATED |
				      FI_MR_PROV_KEY | FI_MR_ENDPOINT;
	if (prov != NULL && prov[0] != '\0')
		hints->fabric_attr->prov_name = strdup(prov);
	if (domain != NULL && domain[0] != '\0')
		hints->domain_attr->name = strdup(domain);
	rc = fi_getinfo(dgo_api_version(), (node && node[0]) ? node : NULL,
			(service && service[0]) ? service : NULL,
			(node && node[0]) ? FI_SOURCE : 0, hints, out);
	fi_freeinfo(hints);
	return rc;
}

static int dgo_list(struct fi_info **out)
{
	return fi_getinfo(dgo_api_version(), NULL, NULL, 0, NULL, out);
}

struct dgo_ep {
	struct fi_info    *info;
	struct fid_fabric *fabric;
	struct fid_domain *domain;
	struct fid_cq     *cq;
	struct fid_av     *av;
	struct fid_ep     *ep;
};

static void dgo_ep_close(struct dgo_ep *e)
{
	if (e->ep)     fi_close(&e->ep->fid);
	if (e->av)     fi_close(&e->av->fid);
	if (e->cq)     fi_close(&e->cq->fid);
	if (e->domain) fi_close(&e->domain->fid);
	if (e->fabric) fi_close(&e->fabric->fid);
	memset(e, 0, sizeof(*e));
}

enum { DGO_WAIT_NONE, DGO_WAIT_UNSPEC, DGO_WAIT_FD };

// Opens fabric, domain, CQ, AV and endpoint; *step names the failed call.
// wait (DGO_WAIT_*) picks the CQ's wait object.
static int dgo_ep_open(struct fi_info *info, struct dgo_ep *e, int wait, const char **step)
{
	struct fi_cq_attr cq_attr;
	struct fi_av_attr av_attr;
	int rc;

	memset(e, 0, sizeof(*e));
	e->info = info;
	*step = "fi_fabric";
	if ((rc = fi_fabric(info->fabric_attr, &e->fabric, NULL)) != 0) goto fail;
	*step = "fi_domain";
	if ((rc = fi_domain(e->fabric, info, &e->domain, NULL)) != 0) goto fail;
	memset(&cq_attr, 0, sizeof(cq_attr));
	cq_attr.format = FI_CQ_FORMAT_TAGGED;
	cq_attr.wait_obj = wait == DGO_WAIT_FD ? FI_WAIT_FD : wait == DGO_WAIT_UNSPEC ? FI_WAIT_UNSPEC : FI_WAIT_NONE;
	*step = "fi_cq_open";
	if ((rc = fi_cq_open(e->domain, &cq_attr, &e->cq, NULL)) != 0) goto fail;
	memset(&av_attr, 0, sizeof(av_attr));
	av_attr.type = FI_AV_TABLE;
	*step = "fi_av_open";
	if ((rc = fi_av_open(e->domain, &av_attr, &e->av, NULL)) != 0) goto fail;
	*step = "fi_endpoint";
	if ((rc = fi_endpoint(e->domain, info, &e->ep, NULL)) != 0) goto fail;
	*step = "fi_ep_bind(av)";
	if ((rc = fi_ep_bind(e->ep, &e->av->fid, 0)) != 0) goto fail;
	*step = "fi_ep_bind(cq)";
	if ((rc = fi_ep_bind(e->ep, &e->cq->fid, FI_TRANSMIT | FI_RECV)) != 0) goto fail;
	*step = "fi_enable";
	if ((rc = fi_enable(e->ep)) != 0) goto fail;
	return 0;
fail:
	dgo_ep_close(e);
	return rc;
}

static int dgo_cq_waitfd(struct dgo_ep *e, int *fd)
{
	return fi_control(&e->cq->fid, FI_GETWAIT, fd);
}

// fi_trywait on the CQ: 0 when the caller may block on the wait fd,
// -FI_EAGAIN when completions (or progress) are due first.
static int dgo_trywait(struct dgo_ep *e)
{
	struct fid *f = &e->cq->fid;

	return fi_trywait(e->fabric, &f, 1);
}

static int dgo_mr_reg(struct dgo_ep *e, void *buf, size_t len, uint64_t access,
		      uint64_t key, struct fid_mr **mr, const char **step)
{
	int rc;

	*step = "fi_mr_reg";
	rc = fi_mr_reg(e->domain, buf, len, access, 0, key, 0, mr, NULL);
	if (rc != 0)
		return rc;
	if (e->info->domain_attr->mr_mode & FI_MR_ENDPOINT) {
		*step = "fi_mr_bind";
		if ((rc = fi_mr_bind(*mr, &e->ep->fid, 0)) == 0) {
			*step = "fi_mr_enable";
			rc = fi_mr_enable(*mr);
		}
		if (rc != 0) {
			fi_close(&(*mr)->fid);
			*mr = NULL;
		}
	}
	return rc;
}

static ssize_t dgo_rma(struct fid_ep *ep, int write, void *buf, size_t len, void *desc,
		       fi_addr_t dest, uint64_t raddr, uint64_t key, void *ctx, uint64_t flags)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct fi_rma_iov rma = { .addr = raddr, .len = len, .key = key };
	struct fi_msg_rma msg = {
		.msg_iov = &iov, .desc = &desc, .iov_count = 1, .addr = dest,
		.rma_iov = &rma, .rma_iov_count = 1, .context = ctx, .data = 0,
	};
	return write ? fi_writemsg(ep, &msg, flags) : fi_readmsg(ep, &msg, flags);
}

// Reads one error entry; returns its context and fills errno and text.
// *rc is fi_cq_readerr's result: negative when there was no entry (another
// reader took it first).
static void *dgo_cq_readerr(struct fid_cq *cq, int *err, int *prov_err, ssize_t *rc, size_t *len, char *text, size_t textlen)
{
	struct fi_cq_err_entry ee;
	const char *s;

	memset(&ee, 0, sizeof(ee));
	*rc = fi_cq_readerr(cq, &ee, 0);
	if (*rc < 0) {
		*err = -1;
		return NULL;
	}
	*err = ee.err;
	*prov_err = ee.prov_errno;
	*len = ee.len;
	s = fi_cq_strerror(cq, ee.prov_errno, ee.err_data, NULL, 0);
	snprintf(text, textlen, "%s (provider errno %d: %s)", fi_strerror(ee.err),
		 ee.prov_errno, s ? s : "");
	return ee.op_context;
}

static const char *dgo_ep_type(enum fi_ep_type t)
{
	switch (t) {
	case FI_EP_MSG: return "FI_EP_MSG";
	case FI_EP_RDM: return "FI_EP_RDM";
	case FI_EP_DGRAM: return "FI_EP_DGRAM";
	default: return "FI_EP_UNSPEC";
	}
}
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Backend names the implementation compiled in.
const Backend = "libfabric"

// cqBatch is how many completions one CQ read takes at most.
const cqBatch = 64

// defaultWaitTimeout is Config.WaitTimeout's default: rare enough to cost
// nothing on an idle endpoint, short enough that a missed wake-up is not
// noticed by a caller with a deadline.
const defaultWaitTimeout = 100 * time.Millisecond

// waitTimeout is the wait bound cfg asks for: the default when unset or
// not positive, at least a millisecond (a shorter deadline would make the
// idle loop spin).
func waitTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		return defaultWaitTimeout
	}
	return max(d, time.Millisecond)
}

// assistWindow is how long a waiting caller polls the CQ itself: about one
// loopback round trip on tcp;ofi_rxm, so a reply is caught without a
// hand-off, while a long wait costs at most this much CPU.
const assistWindow = 100 * time.Microsecond

// maxAssist bounds how long a caller assists a large transfer: 4 MiB at
// the assumed rate, beyond which the spinning costs more than the
// wake-ups it saves.
const maxAssist = 2 * time.Millisecond

// cancelWait bounds how long a cancelled receive waits for the provider to
// confirm the cancellation.
const cancelWait = 5 * time.Second

// spinWindow is how long the progress loop keeps polling after the last
// completion before it blocks: long enough to cover a request's reply.
// Only processes with more than one P spin (spinFor): one confined to a
// single P (an emulated engine sharing a small host) has no core to spare,
// and its spinning delayed the handlers and peers it waited for (the e2e
// benchmark's 4 KiB update latency 128-131 µs without, 179-236 with).
const spinWindow = 50 * time.Microsecond

// parkInPoller says whether the idle progress loop of a process with procs
// Ps waits in Go's network poller rather than in fi_cq_sread. With a single
// P, fi_cq_sread would hold the P the woken goroutines need; with more,
// another P runs them, and blocking inside libfabric wakes faster: the
// 64-byte round trip's p99 over tcp;ofi_rxm was 160-350 µs that way
// against 240-525 µs through the poller (four rounds each, alternating).
func parkInPoller(procs int) bool { return procs < 2 }

// spinFor is the spin window for a process with procs Ps.
func spinFor(procs int) time.Duration {
	if procs < 2 {
		return 0
	}
	return spinWindow
}

// fiError turns a negative libfabric return code into an error naming the call.
func fiError(call string, rc C.int) error {
	if rc >= 0 {
		return nil
	}
	return fmt.Errorf("%s: %s (%d)", call, C.GoString(C.fi_strerror(-rc)), -int(rc))
}

// Version is the libfabric runtime version, e.g. "1.17".
func Version() string {
	v := C.fi_version()
	return fmt.Sprintf("%d.%d", v>>16, v&0xffff)
}

// GetInfo lists every RDM interface that libfabric offers. A provider name
// (libfabric spelling) restricts the list; empty lists all.
func GetInfo(provider string) ([]Info, error) {
	var list *C.struct_fi_info
	if rc := C.dgo_list(&list); rc != 0 {
		if rc == -C.FI_ENODATA {
			return nil, nil
		}
		return nil, fiError("fi_getinfo", rc)
	}
	defer C.fi_freeinfo(list)
	var out []Info
	for i := list; i != nil; i = i.next {
		if i.ep_attr == nil || i.ep_attr._type != C.FI_EP_RDM {
			continue
		}
		info := infoFrom(i)
		if provider != "" && info.Provider != provider {
			continue
		}
		out = append(out, info)
	}
	return out, nil
}

var capNames = []struct {
	bit  C.uint64_t
	name string
}{
	{C.FI_MSG, "FI_MSG"}, {C.FI_RMA, "FI_RMA"}, {C.FI_TAGGED, "FI_TAGGED"},
	{C.FI_ATOMIC, "FI_ATOMIC"}, {C.FI_READ, "FI_READ"}, {C.FI_WRITE, "FI_WRITE"},
	{C.FI_RECV, "FI_RECV"}, {C.FI_SEND, "FI_SEND"}, {C.FI_REMOTE_READ, "FI_REMOTE_READ"},
	{C.FI_REMOTE_WRITE, "FI_REMOTE_WRITE"}, {C.FI_MULTI_RECV, "FI_MULTI_RECV"},
	{C.FI_RMA_EVENT, "FI_RMA_EVENT"}, {C.FI_DIRECTED_RECV, "FI_DIRECTED_RECV"},
	{C.FI_HMEM, "FI_HMEM"}, {C.FI_LOCAL_COMM, "FI_LOCAL_COMM"}, {C.FI_REMOTE_COMM, "FI_REMOTE_COMM"},
}

func infoFrom(i *C.struct_fi_info) Info {
	info := Info{Caps: []string{}}
	if i.fabric_attr != nil {
		info.Provider = C.GoString(i.fabric_attr.prov_name)
		info.Fabric = C.GoString(i.fabric_attr.name)
	}
	if i.domain_attr != nil {
		info.Domain = C.GoString(i.domain_attr.name)
	}
	if i.ep_attr != nil {
		info.EndpointType = C.GoString(C.dgo_ep_type(i.ep_attr._type))
		info.MaxMsgSize = uint64(i.ep_attr.max_msg_size)
	}
	for _, c := range capNames {
		if uint64(i.caps)&uint64(c.bit) != 0 {
			info.Caps = append(info.Caps, c.name)
		}
	}
	return info
}

// result is what the progress loop hands to the waiting caller.
type result struct {
	len int
	tag uint64
	err error
}

// op is one posted operation. Its fi_context2 lives in C memory because the
// provider keeps the pointer until the completion.
type op struct {
	ctx  unsafe.Pointer
	buf  *Buffer
	done chan result
	// fn, when set, receives the completion instead of done, on the
	// goroutine that read it once that goroutine holds no lock; true asks
	// for the operation to be submitted again (receives only, by resubmit).
	fn       func(result) bool
	resubmit func() C.ssize_t
}

// Endpoint is an RDM endpoint with its fabric, domain, completion queue and
// address vector. Its methods are safe for concurrent use, including Close.
type Endpoint struct {
	e      *C.struct_dgo_ep // in C memory: the provider's handles
	info   Info
	mrMode C.uint64_t
	waits  bool
	// waitFile is a duplicate of the CQ's wait file descriptor in Go's
	// network poller, in a process with a single P (parkInPoller) whose
	// provider has one: the progress loop parks there instead of in
	// fi_cq_sread, so an idle endpoint holds neither a thread nor the P (a
	// blocking cgo call keeps its P until the runtime's monitor takes it
	// back, which delays every goroutine a completion woke).
	waitFile *os.File
	waitConn syscall.RawConn
	// waitTimeout bounds one idle wait (Config.WaitTimeout).
	waitTimeout time.Duration
	// spin is how long the progress loop polls after a completion
	// (spinFor); zero in a process with a single P.
	spin time.Duration
	// parks counts the progress loop's waits in the poller (tests).
	parks atomic.Int64
	// addrFormat and addrLen describe the provider's addresses, so that
	// InsertAddr can refuse a peer's bytes that are not one.
	addrFormat C.uint32_t
	addrLen    int

	// life guards every C call on the endpoint's objects: callers hold it
	// shared and check closed; Close takes it exclusively, so no call is
	// half-way through the provider while its objects are freed.
	life   sync.RWMutex
	closed bool

	// assistMu elects the one caller that reads the CQ while waiting;
	// assistBuf is its buffer.
	assistMu  sync.Mutex
	assistBuf *cqBuf
	// polling is set while a caller polls (Poll). The progress loop then
	// stands aside, parked, rather than read the same CQ on a second core:
	// on a host short of cores the two spinners (three with the peer's)
	// get descheduled in turn, which is where the slow round trips came
	// from. pollEnd wakes it when the caller is done.
	polling atomic.Bool
	pollEnd chan struct{}

	mu  sync.Mutex // guards ops and mrs
	ops map[uintptr]*op
	mrs map[*MemRegion]struct{}

	stopping atomic.Bool
	broken   atomic.Pointer[error] // set when the CQ fails for good
	loopDone chan struct{}
	nextKey  atomic.Uint64
}

// Open creates an RDM endpoint as cfg describes and starts its progress loop.
func Open(cfg Config) (*Endpoint, error) {
	cprov, cnode := C.CString(cfg.Provider), C.CString(cfg.Node)
	csvc, cdom := C.CString(cfg.Service), C.CString(cfg.Domain)
	defer func() {
		C.free(unsafe.Pointer(cprov))
		C.free(unsafe.Pointer(cnode))
		C.free(unsafe.Pointer(csvc))
		C.free(unsafe.Pointer(cdom))
	}()
	var info *C.struct_fi_info
	if rc := C.dgo_getinfo(cprov, cnode, csvc, cdom, &info); rc != 0 {
		return nil, fmt.Errorf("open endpoint (%s): %w", cfg, fiError("fi_getinfo", rc))
	}
	// Keep only the first match; the rest of the list is not needed.
	if info.next != nil {
		C.fi_freeinfo(info.next)
		info.next = nil
	}
	ep := &Endpoint{
		e:           (*C.struct_dgo_ep)(C.calloc(1, C.sizeof_struct_dgo_ep)),
		assistBuf:   newCQBuf(),
		info:        infoFrom(info),
		mrMode:      C.uint64_t(info.domain_attr.mr_mode),
		addrFormat:  C.uint32_t(info.addr_format),
		addrLen:     int(info.src_addrlen),
		ops:         make(map[uintptr]*op),
		mrs:         make(map[*MemRegion]struct{}),
		loopDone:    make(chan struct{}),
		pollEnd:     make(chan struct{}, 1),
		waitTimeout: waitTimeout(cfg.WaitTimeout),
		spin:        spinFor(runtime.GOMAXPROCS(0)),
	}
	var step *C.char
	// Prefer a CQ with a wait object so the progress loop sleeps when idle,
	// a file descriptor first; fall back to polling for providers that
	// have none. Only a CQ that refused its wait object is tried again.
	rc := C.dgo_ep_open(info, ep.e, C.DGO_WAIT_FD, &step)
	waitFD := rc == 0
	if rc != 0 && C.GoString(step) == "fi_cq_open" {
		rc = C.dgo_ep_open(info, ep.e, C.DGO_WAIT_UNSPEC, &step)
	}
	ep.waits = rc == 0
	if rc != 0 && C.GoString(step) == "fi_cq_open" {
		rc = C.dgo_ep_open(info, ep.e, C.DGO_WAIT_NONE, &step)
	}
	if waitFD && parkInPoller(runtime.GOMAXPROCS(0)) {
		ep.pollWaitFD()
	}
	if rc != 0 {
		C.fi_freeinfo(info)
		C.free(unsafe.Pointer(ep.e))
		ep.assistBuf.free()
		return nil, fmt.Errorf("open endpoint (%s): %w", cfg, fiError(C.GoString(step), rc))
	}
	go ep.progress()
	return ep, nil
}

// pollWaitFD puts a duplicate of the CQ's wait descriptor in Go's network
// poller. Without it the progress loop blocks in fi_cq_sread instead.
func (ep *Endpoint) pollWaitFD() {
	var fd C.int
	if C.dgo_cq_waitfd(ep.e, &fd) != 0 || fd < 0 {
		return
	}
	// Close-on-exec at once: a child started meanwhile must not inherit it.
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return
	}
	if err := syscall.SetNonblock(dup, true); err != nil {
		syscall.Close(dup)
		return
	}
	// A non-blocking descriptor is registered with the poller (an epoll
	// descriptor can be watched by another epoll).
	f := os.NewFile(uintptr(dup), "fi_cq wait")
	rc, err := f.SyscallConn()
	if err != nil || f.SetReadDeadline(time.Time{}) != nil {
		f.Close() // not pollable after all
		return
	}
	// fi_trywait must answer "block" or "not yet"; a provider without it
	// (-FI_ENOSYS) would leave the loop spinning on an idle endpoint.
	if r := C.dgo_trywait(ep.e); r != 0 && r != -C.FI_EAGAIN {
		f.Close()
		return
	}
	ep.waitFile, ep.waitConn = f, rc
}

// waitReady parks the calling goroutine in the network poller until the
// CQ's wait descriptor reports an event, the wait timeout passes or Close
// signals the CQ. fi_trywait first drives the provider's progress and says
// whether blocking is safe: it fails while completions are due.
func (ep *Endpoint) waitReady() {
	_ = ep.waitFile.SetReadDeadline(time.Now().Add(ep.waitTimeout))
	tried := false
	_ = ep.waitConn.Read(func(uintptr) bool {
		if tried || ep.stopping.Load() {
			return true // the poller saw an event: read the CQ
		}
		tried = true
		switch r := C.dgo_trywait(ep.e); r {
		case 0:
			// Close may have signalled after the check above, and
			// trywait consumed that signal: look again before parking.
			if ep.stopping.Load() {
				return true
			}
			ep.parks.Add(1)
			return false
		case -C.FI_EAGAIN:
			return true
		default:
			// Not seen at Open (pollWaitFD): block in fi_cq_sread from
			// now on rather than spin.
			ep.waitConn = nil
			return true
		}
	})
}

// whileOpen runs f, which may call into the provider, unless the endpoint
// is closed or its completion queue has failed.
func (ep *Endpoint) whileOpen(what string, f func() error) error {
	ep.life.RLock()
	defer ep.life.RUnlock()
	if ep.closed {
		return fmt.Errorf("%s: %w", what, errClosed)
	}
	if err := ep.broken.Load(); err != nil {
		return fmt.Errorf("%s: endpoint unusable after a completion-queue failure: %w", what, *err)
	}
	return f()
}

// markBroken records the first fatal completion-queue error.
func (ep *Endpoint) markBroken(err error) { ep.broken.CompareAndSwap(nil, &err) }

// Info describes the provider and domain this endpoint uses.
func (ep *Endpoint) Info() Info { return ep.info }

// Name returns the endpoint's address, to be given to peers for InsertAddr.
func (ep *Endpoint) Name() ([]byte, error) {
	buf := make([]byte, 256)
	err := ep.whileOpen("fi_getname", func() error {
		n := C.size_t(len(buf))
		if rc := C.fi_getname(&ep.e.ep.fid, unsafe.Pointer(&buf[0]), &n); rc != 0 {
			return fiError("fi_getname", rc)
		}
		buf = buf[:n]
		return nil
	})
	if err != nil {
		return nil, err
	}
	return buf, nil
}

// The address formats checkAddr knows must be libfabric's (a negative
// array length does not compile).
var (
	_ [addrSockaddr - C.FI_SOCKADDR]struct{}
	_ [C.FI_SOCKADDR - addrSockaddr]struct{}
	_ [addrSockaddrIn - C.FI_SOCKADDR_IN]struct{}
	_ [C.FI_SOCKADDR_IN - addrSockaddrIn]struct{}
	_ [addrSockaddrIn6 - C.FI_SOCKADDR_IN6]struct{}
	_ [C.FI_SOCKADDR_IN6 - addrSockaddrIn6]struct{}
	_ [addrStr - C.FI_ADDR_STR]struct{}
	_ [C.FI_ADDR_STR - addrStr]struct{}
)

// InsertAddr adds a peer's address (from its Name) to the address vector.
// The bytes often come from the network: ones that are not an address of
// this provider's format are refused, as fi_av_insert would read past them.
func (ep *Endpoint) InsertAddr(name []byte) (Addr, error) {
	if err := checkAddr(uint32(ep.addrFormat), ep.addrLen, name); err != nil {
		return 0, fmt.Errorf("insert address: %w", err)
	}
	var fiAddr C.fi_addr_t
	err := ep.whileOpen("fi_av_insert", func() error {
		// Zero padding behind the bytes: whatever length the provider
		// assumes, it reads only memory of ours.
		cname := C.calloc(C.size_t(len(name)+maxAddrLen), 1)
		defer C.free(cname)
		copy(unsafe.Slice((*byte)(cname), len(name)), name)
		if n := C.fi_av_insert(ep.e.av, cname, 1, &fiAddr, 0, nil); n != 1 {
			return fmt.Errorf("insert address of %d bytes: fi_av_insert inserted %d of 1", len(name), int(n))
		}
		return nil
	})
	return Addr(fiAddr), err
}

// RemoveAddr removes a peer's address from the address vector. The caller
// must have no operation on it in flight nor start one after.
func (ep *Endpoint) RemoveAddr(a Addr) error {
	return ep.whileOpen("fi_av_remove", func() error {
		fiAddr := C.fi_addr_t(a)
		if rc := C.fi_av_remove(ep.e.av, &fiAddr, 1, 0); rc != 0 {
			return fiError("fi_av_remove", rc)
		}
		return nil
	})
}

// MemRegion is a Buffer registered with the endpoint's domain. Closing the
// endpoint deregisters its regions.
type MemRegion struct {
	ep  *Endpoint
	buf *Buffer
	off int              // where the registered bytes start in buf
	n   int              // registered bytes
	mr  *C.struct_fid_mr // nil once deregistered; guarded by ep.life
	rb  RemoteBuffer
}

// Register registers buf for the given uses.
func (ep *Endpoint) Register(buf *Buffer, access Access) (*MemRegion, error) {
	if buf == nil || buf.mem == nil {
		return nil, errors.New("register memory: buffer is nil or freed")
	}
	return ep.RegisterPrefix(buf, len(buf.mem), access)
}

// RegisterPrefix registers the first n bytes of buf only, so that a buffer
// reused for a smaller region exposes nothing beyond it.
func (ep *Endpoint) RegisterPrefix(buf *Buffer, n int, access Access) (*MemRegion, error) {
	return ep.RegisterRange(buf, 0, n, access)
}

// RegisterRange registers n bytes of buf from off; the region's offsets
// (local transfers, the peer's remote offsets) count from off.
func (ep *Endpoint) RegisterRange(buf *Buffer, off, n int, access Access) (*MemRegion, error) {
	if buf == nil || buf.mem == nil {
		return nil, errors.New("register memory: buffer is nil or freed")
	}
	if off < 0 || n <= 0 || off > len(buf.mem) || n > len(buf.mem)-off {
		return nil, fmt.Errorf("register memory: %d bytes at offset %d of a %d-byte buffer", n, off, len(buf.mem))
	}
	var acc C.uint64_t
	if access&AccessLocal != 0 {
		acc |= C.FI_SEND | C.FI_RECV | C.FI_READ | C.FI_WRITE
	}
	if access&AccessRemoteRead != 0 {
		acc |= C.FI_REMOTE_READ
	}
	if access&AccessRemoteWrite != 0 {
		acc |= C.FI_REMOTE_WRITE
	}
	m := &MemRegion{ep: ep, buf: buf, off: off, n: n}
	err := ep.whileOpen("register memory", func() error {
		var step *C.char
		key := C.uint64_t(ep.nextKey.Add(1))
		var mr *C.struct_fid_mr
		rc := C.dgo_mr_reg(ep.e, unsafe.Pointer(&buf.mem[off]), C.size_t(n), acc, key, &mr, &step)
		m.mr = mr
		if rc != 0 {
			return fmt.Errorf("register %d bytes: %w", n, fiError(C.GoString(step), rc))
		}
		m.rb = RemoteBuffer{Key: uint64(C.fi_mr_key(m.mr)), Len: uint64(n)}
		if ep.mrMode&C.FI_MR_VIRT_ADDR != 0 {
			m.rb.Addr = uint64(uintptr(unsafe.Pointer(&buf.mem[off])))
		}
		ep.mu.Lock()
		ep.mrs[m] = struct{}{}
		buf.regs.Add(1)
		ep.mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Remote describes the region for a peer's RMA.
func (m *MemRegion) Remote() RemoteBuffer { return m.rb }

// Buffer is the registered memory.
func (m *MemRegion) Buffer() *Buffer { return m.buf }

// Close deregisters the region; the Buffer stays allocated. It waits for
// calls that are submitting work on the endpoint (it holds the endpoint's
// lock exclusively, which is cheap since regions are long-lived).
func (m *MemRegion) Close() error {
	m.ep.life.Lock()
	defer m.ep.life.Unlock()
	if m.ep.closed || m.mr == nil {
		return errors.New("deregister memory: already closed (or its endpoint is)")
	}
	if n := m.buf.inflight.Load(); n > 0 {
		return fmt.Errorf("deregister memory: %d operations still in flight", n)
	}
	m.ep.mu.Lock()
	delete(m.ep.mrs, m)
	m.buf.regs.Add(-1)
	m.ep.mu.Unlock()
	rc := C.fi_close(&m.mr.fid)
	m.mr = nil
	return fiError("fi_close(mr)", rc)
}

// slice checks a local range; call it under ep.life.
func (m *MemRegion) slice(what string, off, n int) (unsafe.Pointer, unsafe.Pointer, error) {
	if m == nil || m.mr == nil || m.buf.mem == nil {
		return nil, nil, fmt.Errorf("%s: memory region is closed", what)
	}
	if off < 0 || n < 0 {
		return nil, nil, fmt.Errorf("%s: negative offset %d or length %d", what, off, n)
	}
	if err := checkRange(what, uint64(off), uint64(n), uint64(m.n)); err != nil {
		return nil, nil, err
	}
	return unsafe.Pointer(&m.buf.mem[m.off+off]), C.fi_mr_desc(m.mr), nil
}

// post registers an op, submits it until the provider accepts it, then
// waits for its completion or ctx. When ctx ends first it also returns the
// op, which the provider still holds, so the caller may cancel it.
// assistBytes sizes the caller's assist (assistFor): the bytes an RMA
// moves, 0 for messages, whose arrival its size says nothing about.
func (ep *Endpoint) post(ctx context.Context, what string, m *MemRegion, off, n, assistBytes int,
	submit func(p, desc, c unsafe.Pointer) C.ssize_t) (result, *op, error) {
	if m == nil {
		return result{}, nil, fmt.Errorf("%s: memory region is nil", what)
	}
	o := &op{buf: m.buf, done: make(chan result, 1)}
	if err := ep.submit(ctx, what, o, m, off, n, submit); err != nil {
		return result{}, nil, err
	}
	ep.assist(o, assistBytes)
	select {
	case r := <-o.done:
		if r.err != nil {
			return r, nil, fmt.Errorf("%s: %w", what, r.err)
		}
		return r, nil, nil
	case <-ctx.Done():
		// The provider still owns the buffer: it stays counted in flight
		// until the completion arrives or the endpoint closes.
		return result{}, o, fmt.Errorf("%s: %w (operation still in flight)", what, ctx.Err())
	}
}

// submit hands o to the provider, retrying while its queues are full.
func (ep *Endpoint) submit(ctx context.Context, what string, o *op, m *MemRegion, off, n int,
	call func(p, desc, c unsafe.Pointer) C.ssize_t) error {
	return ep.submitWith(ctx, true, what, o, m, off, n, call)
}

// submitWith is submit; without wait, full queues end it with ErrAgain.
func (ep *Endpoint) submitWith(ctx context.Context, wait bool, what string, o *op, m *MemRegion, off, n int,
	call func(p, desc, c unsafe.Pointer) C.ssize_t) error {
	// -FI_EAGAIN means the provider's queues are full until progress
	// drains them; the progress loop runs concurrently, so back off briefly.
	backoff := time.Microsecond
	for {
		var rc C.ssize_t
		err := ep.whileOpen(what, func() error {
			p, desc, err := m.slice(what, off, n)
			if err != nil {
				return err
			}
			o.ctx = C.calloc(1, C.sizeof_struct_fi_context2)
			ep.mu.Lock()
			ep.ops[uintptr(o.ctx)] = o
			ep.mu.Unlock()
			m.buf.inflight.Add(1)
			if rc = call(p, desc, o.ctx); rc != 0 {
				ep.forget(o.ctx)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if rc == 0 {
			return nil
		}
		if rc != -C.FI_EAGAIN {
			return fiError(what, C.int(rc))
		}
		if !wait {
			return fmt.Errorf("%s: %w", what, ErrAgain)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Millisecond)
	}
}

// forget drops an op that the provider never accepted.
func (ep *Endpoint) forget(ctx unsafe.Pointer) {
	ep.mu.Lock()
	o := ep.ops[uintptr(ctx)]
	delete(ep.ops, uintptr(ctx))
	ep.mu.Unlock()
	if o != nil {
		o.buf.inflight.Add(-1)
		C.free(o.ctx)
	}
}

// complete hands a completion to its op and frees the context. Ops with a
// callback are queued in b, to run once the reader holds no lock.
func (ep *Endpoint) complete(b *cqBuf, ctx unsafe.Pointer, r result) {
	ep.mu.Lock()
	o := ep.ops[uintptr(ctx)]
	delete(ep.ops, uintptr(ctx))
	ep.mu.Unlock()
	if o == nil {
		return
	}
	o.buf.inflight.Add(-1)
	if o.fn != nil {
		b.later = append(b.later, later{o, r})
		return
	}
	C.free(o.ctx)
	o.done <- r
}

// later is a completion whose callback has not run yet.
type later struct {
	o *op
	r result
}

// runLater runs the callbacks queued in b; call it holding no lock. A
// receive whose callback asks for it is posted again with the same
// context; if that fails, the callback hears of the failure (and its
// answer is ignored).
func (ep *Endpoint) runLater(b *cqBuf) {
	for i := range b.later {
		l := b.later[i]
		b.later[i] = later{}
		if !l.o.fn(l.r) || l.o.resubmit == nil || l.r.err != nil {
			C.free(l.o.ctx)
			continue
		}
		var rc C.ssize_t
		err := ep.whileOpen("fi_trecv", func() error {
			ep.mu.Lock()
			ep.ops[uintptr(l.o.ctx)] = l.o
			ep.mu.Unlock()
			l.o.buf.inflight.Add(1)
			if rc = l.o.resubmit(); rc != 0 {
				ep.forget(l.o.ctx)
			}
			return nil
		})
		if err == nil && rc != 0 {
			err = fiError("fi_trecv", C.int(rc))
		}
		if err != nil {
			if rc == 0 {
				C.free(l.o.ctx) // never resubmitted
			}
			l.o.fn(result{err: fmt.Errorf("post receive again: %w", err)})
		}
	}
	b.later = b.later[:0]
}

// cqBuf is C memory for one reader of the CQ: the provider writes
// completions and error text into it.
type cqBuf struct {
	entries *[cqBatch]C.struct_fi_cq_tagged_entry
	text    *C.char
	later   []later // callbacks to run after the read
}

const cqTextLen = 256

func newCQBuf() *cqBuf {
	return &cqBuf{
		entries: (*[cqBatch]C.struct_fi_cq_tagged_entry)(C.calloc(cqBatch, C.sizeof_struct_fi_cq_tagged_entry)),
		text:    (*C.char)(C.malloc(cqTextLen)),
	}
}

func (b *cqBuf) free() {
	C.free(unsafe.Pointer(b.entries))
	C.free(unsafe.Pointer(b.text))
}

// readCQ reads one batch of completions, blocking up to the wait timeout when
// asked and the CQ has a wait object, and hands each to its op. It returns
// how many it handled, or libfabric's negative code (-FI_EAGAIN: empty).
func (ep *Endpoint) readCQ(b *cqBuf, block bool) C.ssize_t {
	var n C.ssize_t
	if block && ep.waitConn != nil {
		ep.waitReady()
		n = C.fi_cq_read(ep.e.cq, unsafe.Pointer(b.entries), cqBatch)
	} else if block && ep.waits {
		n = C.fi_cq_sread(ep.e.cq, unsafe.Pointer(b.entries), cqBatch, nil, C.int(max(1, ep.waitTimeout.Milliseconds())))
	} else {
		n = C.fi_cq_read(ep.e.cq, unsafe.Pointer(b.entries), cqBatch)
	}
	switch {
	case n > 0:
		for i := 0; i < int(n); i++ {
			e := &b.entries[i]
			ep.complete(b, e.op_context, result{len: int(e.len), tag: uint64(e.tag)})
		}
	case n == -C.FI_EAVAIL:
		var errno, provErrno C.int
		var rc C.ssize_t
		var n C.size_t
		c := C.dgo_cq_readerr(ep.e.cq, &errno, &provErrno, &rc, &n, b.text, cqTextLen)
		if rc < 0 {
			// The other reader (progress loop or an assisting caller)
			// took the entry first.
			return -C.FI_EAGAIN
		}
		if c != nil {
			// A truncated receive's buffer holds what fitted; len is the
			// message's whole length.
			ep.complete(b, c, result{len: int(n), err: &CompletionError{Errno: int(errno), ProvErrno: int(provErrno), Text: C.GoString(b.text),
				Truncated: errno == C.FI_ETRUNC}})
		}
		return 1 // an entry without a context belongs to no operation of ours
	case n == -C.FI_ETIMEDOUT || n == -C.FI_ECANCELED || n == -C.FI_EINTR:
		// Timeouts, cancelled waits and signals end a wait, not the CQ.
		return -C.FI_EAGAIN
	}
	return n
}

// progress reads the CQ until Close, which waits for it to stop before
// freeing the CQ. It keeps data moving for providers with manual progress
// when no caller is waiting (the target side of RMA, unexpected messages).
func (ep *Endpoint) progress() {
	defer close(ep.loopDone)
	b := newCQBuf()
	defer b.free()
	lastActive := time.Now()
	idle := time.Duration(0)
	for !ep.stopping.Load() {
		if ep.polling.Load() {
			// The polling caller drives progress (its CQ reads run every
			// completion's callback) for at most its window. The timer
			// only bounds a missed wake-up.
			select {
			case <-ep.pollEnd:
			case <-time.After(time.Millisecond):
			}
			lastActive = time.Now()
			continue
		}
		// Poll without blocking while traffic is recent; block in the
		// provider's wait object only once the endpoint has gone quiet. A
		// long cgo call holds its P until sysmon retakes it, so blocking
		// right after a completion would delay the goroutine it woke.
		quiet := time.Since(lastActive) > ep.spin
		n := ep.readCQ(b, quiet)
		ep.runLater(b)
		switch {
		case n > 0:
			lastActive, idle = time.Now(), 0
			runtime.Gosched()
		case n == -C.FI_EAGAIN:
			switch {
			case !quiet:
				runtime.Gosched()
			case !ep.waits:
				// A provider without a wait object: back off to a
				// bounded sleep so an idle endpoint costs little CPU.
				idle = min(idle+10*time.Microsecond, time.Millisecond)
				time.Sleep(idle)
			}
		default:
			// An unexpected CQ failure. The provider may still own the
			// operations' contexts and buffers, so they stay as they are
			// (waiters give up through their contexts, Close fails the
			// rest after closing the provider); new posts are refused.
			ep.markBroken(fiError("fi_cq_read", C.int(n)))
			time.Sleep(time.Millisecond)
		}
	}
}

// assist lets a caller that waits for o, an operation on n bytes, read
// the CQ itself for a while, so that a quick completion reaches it without
// a hand-off between goroutines. One caller assists at a time; the others
// just wait.
func (ep *Endpoint) assist(o *op, n int) {
	ep.Poll(func() bool { return len(o.done) > 0 }, ep.assistFor(n))
}

// assistFor is how long a caller assists an operation on n bytes:
// assistWindow, or in a process with cores to spare (spinFor) about as
// long as n bytes take at 2 GB/s, up to maxAssist. A large RMA completes
// only as fast as progress is made on it, and a caller reading the CQ
// makes it with no wake-up per socket event (1 MiB bulk pulls over
// tcp;ofi_rxm, 1 in flight: 290-465 µs at the median against 560-655).
func (ep *Endpoint) assistFor(n int) time.Duration {
	if ep.spin == 0 {
		return assistWindow
	}
	return min(max(assistWindow, time.Duration(n)/2), maxAssist)
}

// Poll reads the completion queue on the calling goroutine until ready
// reports true or window has passed, running completion callbacks here, so
// that a caller expecting a quick completion (a reply to its request) is
// not woken by another goroutine. One goroutine polls at a time: Poll
// returns false at once if another is polling, true once it polled. The
// progress loop waits meanwhile.
func (ep *Endpoint) Poll(ready func() bool, window time.Duration) bool {
	if !ep.assistMu.TryLock() {
		return false
	}
	defer ep.assistMu.Unlock()
	ep.polling.Store(true)
	defer func() {
		ep.polling.Store(false)
		select {
		case ep.pollEnd <- struct{}{}:
		default:
		}
	}()
	start := time.Now()
	for !ready() && time.Since(start) < window {
		ep.life.RLock()
		if ep.closed || ep.broken.Load() != nil {
			ep.life.RUnlock()
			return true
		}
		n := ep.readCQ(ep.assistBuf, false)
		ep.life.RUnlock()
		ep.runLater(ep.assistBuf)
		if n < 0 && n != -C.FI_EAGAIN {
			return true // progress reports the failure
		}
		if n > 0 && !ready() {
			// The completions woke other goroutines, queued on this P:
			// let them run rather than spin ahead of them.
			runtime.Gosched()
		}
	}
	return true
}

// failAll fails every operation still registered; call it holding no lock,
// since callbacks run here.
func (ep *Endpoint) failAll(err error) {
	ep.mu.Lock()
	ops := ep.ops
	ep.ops = make(map[uintptr]*op)
	ep.mu.Unlock()
	for _, o := range ops {
		o.buf.inflight.Add(-1)
		C.free(o.ctx)
		if o.fn != nil {
			o.fn(result{err: err})
			continue
		}
		o.done <- result{err: err}
	}
}

// SendTagged sends n bytes at off of a registered region to dest with tag.
func (ep *Endpoint) SendTagged(ctx context.Context, dest Addr, tag uint64, m *MemRegion, off, n int) error {
	_, _, err := ep.post(ctx, "fi_tsend", m, off, n, 0, func(p, desc, c unsafe.Pointer) C.ssize_t {
		return C.fi_tsend(ep.e.ep, p, C.size_t(n), desc, C.fi_addr_t(dest), C.uint64_t(tag), c)
	})
	return err
}

// RecvTagged receives one message whose tag matches tag outside the ignore
// bits, from any peer, into [off, off+n) of a registered region.
func (ep *Endpoint) RecvTagged(ctx context.Context, tag, ignore uint64, m *MemRegion, off, n int) (TaggedMessage, error) {
	r, pending, err := ep.post(ctx, "fi_trecv", m, off, n, 0, func(p, desc, c unsafe.Pointer) C.ssize_t {
		return C.fi_trecv(ep.e.ep, p, C.size_t(n), desc, C.FI_ADDR_UNSPEC, C.uint64_t(tag), C.uint64_t(ignore), c)
	})
	if pending != nil {
		// Abandoned through ctx: ask the provider to drop the receive and
		// wait (boundedly) for its cancel completion, so that the buffer is
		// free again when we return. A message that raced the cancel is
		// lost to the caller, as with any cancelled receive.
		_ = ep.whileOpen("fi_cancel", func() error {
			C.fi_cancel(&ep.e.ep.fid, pending.ctx)
			return nil
		})
		select {
		case <-pending.done:
		case <-time.After(cancelWait):
		}
	}
	return TaggedMessage{Len: r.len, Tag: r.tag}, err
}

// PostRecv posts a receive of one message whose tag matches tag outside the
// ignore bits into [off, off+n) of m, and returns once the provider took
// it. Each completion calls fn on the goroutine that read it (the progress
// loop, a Poll caller, or a caller waiting for its own operation), after
// that goroutine released the endpoint's locks; fn may call the endpoint's
// methods, but everything it does holds back that reader. When fn returns
// true the receive is posted again into the same memory, which fn must be
// done with. Receives still posted when the endpoint closes call fn with an
// error.
func (ep *Endpoint) PostRecv(tag, ignore uint64, m *MemRegion, off, n int, fn func(TaggedMessage, error) bool) error {
	if m == nil || fn == nil {
		return errors.New("post receive: nil memory region or callback")
	}
	o := &op{buf: m.buf}
	o.fn = func(r result) bool { return fn(TaggedMessage{Len: r.len, Tag: r.tag}, r.err) }
	recv := func(p, desc, c unsafe.Pointer) C.ssize_t {
		return C.fi_trecv(ep.e.ep, p, C.size_t(n), desc, C.FI_ADDR_UNSPEC, C.uint64_t(tag), C.uint64_t(ignore), c)
	}
	o.resubmit = func() C.ssize_t {
		p, desc, err := m.slice("fi_trecv", off, n)
		if err != nil {
			return -C.FI_EINVAL
		}
		return recv(p, desc, o.ctx)
	}
	return ep.submit(context.Background(), "fi_trecv", o, m, off, n, recv)
}

// PostSend sends [off, off+n) of m to dest with tag and returns once the
// provider took the message; the memory stays the provider's until fn is
// called with the outcome (as PostRecv's callbacks are). While the
// provider's queues are full it retries until ctx ends.
func (ep *Endpoint) PostSend(ctx context.Context, dest Addr, tag uint64, m *MemRegion, off, n int, fn func(error)) error {
	return ep.postSend(ctx, true, dest, tag, m, off, n, fn)
}

// PostSendNow is PostSend that never waits: when the provider's queues
// are full it fails with ErrAgain (and fn is not called). For callers on
// the goroutine whose progress would empty them.
func (ep *Endpoint) PostSendNow(dest Addr, tag uint64, m *MemRegion, off, n int, fn func(error)) error {
	return ep.postSend(context.Background(), false, dest, tag, m, off, n, fn)
}

func (ep *Endpoint) postSend(ctx context.Context, wait bool, dest Addr, tag uint64, m *MemRegion, off, n int, fn func(error)) error {
	if m == nil || fn == nil {
		return errors.New("post send: nil memory region or callback")
	}
	o := &op{buf: m.buf, fn: func(r result) bool { fn(r.err); return false }}
	return ep.submitWith(ctx, wait, "fi_tsend", o, m, off, n, func(p, desc, c unsafe.Pointer) C.ssize_t {
		return C.fi_tsend(ep.e.ep, p, C.size_t(n), desc, C.fi_addr_t(dest), C.uint64_t(tag), c)
	})
}

// Write copies [off, off+n) of local into the peer's remote buffer at roff
// and returns when the data has reached the target's memory
// (FI_DELIVERY_COMPLETE), not merely left this process.
func (ep *Endpoint) Write(ctx context.Context, dest Addr, local *MemRegion, off, n int, remote RemoteBuffer, roff uint64) error {
	return ep.rma(ctx, 1, dest, local, off, n, remote, roff)
}

// Read copies n bytes at roff of the peer's remote buffer into [off, off+n)
// of local.
func (ep *Endpoint) Read(ctx context.Context, dest Addr, local *MemRegion, off, n int, remote RemoteBuffer, roff uint64) error {
	return ep.rma(ctx, 0, dest, local, off, n, remote, roff)
}

func (ep *Endpoint) rma(ctx context.Context, write C.int, dest Addr, local *MemRegion, off, n int, remote RemoteBuffer, roff uint64) error {
	what := "fi_readmsg"
	flags := C.uint64_t(C.FI_COMPLETION)
	if write == 1 {
		what = "fi_writemsg"
		flags |= C.FI_DELIVERY_COMPLETE
	}
	if n < 0 {
		return fmt.Errorf("%s: negative length %d", what, n)
	}
	if err := checkRange(what+" (remote)", roff, uint64(n), remote.Len); err != nil {
		return err
	}
	raddr := C.uint64_t(remote.Addr + roff)
	_, _, err := ep.post(ctx, what, local, off, n, n, func(p, desc, c unsafe.Pointer) C.ssize_t {
		return C.dgo_rma(ep.e.ep, write, p, C.size_t(n), desc, C.fi_addr_t(dest), raddr, C.uint64_t(remote.Key), c, flags)
	})
	return err
}

// Close stops the progress loop, deregisters the endpoint's memory regions
// and closes the endpoint and its resources. Operations still in flight
// fail; calls made after Close return an error.
func (ep *Endpoint) Close() error {
	ep.life.Lock()
	if ep.closed {
		ep.life.Unlock()
		return errors.New("close endpoint: already closed")
	}
	ep.closed = true
	ep.stopping.Store(true)
	if ep.waits {
		C.fi_cq_signal(ep.e.cq)
	}
	ep.life.Unlock()
	// The progress loop may be running callbacks that call in; they see
	// closed. Then, holding life exclusively, every call that was inside
	// the provider has returned.
	<-ep.loopDone
	ep.life.Lock()
	var errs []error
	if ep.waitFile != nil {
		ep.waitFile.Close()
	}
	ep.mu.Lock()
	for m := range ep.mrs {
		m.buf.regs.Add(-1)
		errs = append(errs, fiError("fi_close(mr)", C.fi_close(&m.mr.fid)))
		m.mr = nil
	}
	ep.mrs = nil
	ep.mu.Unlock()
	info := ep.e.info
	C.dgo_ep_close(ep.e)
	C.fi_freeinfo(info)
	C.free(unsafe.Pointer(ep.e))
	ep.e = nil
	ep.assistBuf.free()
	ep.life.Unlock()
	// The provider is gone: nothing references the contexts any more.
	ep.failAll(fmt.Errorf("endpoint closed: %w", errClosed))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close endpoint: %w", err)
	}
	return nil
}
