// Package ofi wraps libfabric (OpenFabrics Interfaces) for the data path:
// provider discovery (fi_getinfo), one reliable-datagram (FI_EP_RDM)
// endpoint per Endpoint value with its completion queue and address vector,
// tagged messages, memory registration, and one-sided RMA read and write.
//
// It is compiled against libfabric only with the build tag `ofi` (and cgo).
// Without it every constructor returns ErrNotBuilt; the pure-Go software
// transport lives in pkg/fabric, not here, because it does not pretend to be
// libfabric.
//
// Memory rules. libfabric may read or write a buffer until the operation's
// completion is reported, long after the cgo call returned, so no Go heap
// memory is ever handed to it. Message payloads are copied through C-owned
// bounce buffers; RMA targets and sources are Buffers allocated outside the
// Go heap (AllocBuffer) and registered with Endpoint.Register.
//
// Progress. Providers such as tcp;ofi_rxm use manual progress: data moves
// only while someone reads the completion queue, on the initiator and on the
// target alike. Every Endpoint therefore runs one progress goroutine that
// waits on the queue's wait object (fi_cq_sread) so that an idle endpoint
// costs no CPU, and wakes it with fi_cq_signal when closing. A caller
// waiting for its own operation, or one that expects a message soon (Poll),
// reads the queue itself for a short while instead.
//
// Besides the blocking calls (SendTagged, RecvTagged, Read, Write) there
// are posted ones for transports built on top: PostRecv keeps a receive
// posted and runs a callback on whichever goroutine reads each completion
// (with no lock held, so the callback may call in again), and PostSend
// returns once the provider took the message and calls back when it is
// done with the memory.
package ofi
