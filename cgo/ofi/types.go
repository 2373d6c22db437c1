package ofi

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNotBuilt is returned by every constructor when the package was built
// without the `ofi` tag (or without cgo).
var ErrNotBuilt = errors.New("libfabric support is not built in (build with -tags ofi and cgo enabled)")

// ErrAgain is PostSendNow's error when the provider's queues are full.
var ErrAgain = errors.New("the provider's queues are full")

// errClosed is wrapped by every call on a closed endpoint.
var errClosed = errors.New("endpoint is closed")

// Info describes one fabric interface offered by a provider, as fi_getinfo
// reports it.
type Info struct {
	// Provider is libfabric's name, e.g. "tcp;ofi_rxm" or "shm".
	Provider string `json:"provider"`
	// Fabric is the fabric name (for tcp: the subnet).
	Fabric string `json:"fabric"`
	// Domain is the domain name (for tcp and verbs: the interface or device).
	Domain string `json:"domain"`
	// EndpointType is "FI_EP_RDM", "FI_EP_MSG" or "FI_EP_DGRAM".
	EndpointType string `json:"endpoint_type"`
	// Caps lists the capability flags, e.g. FI_TAGGED, FI_RMA.
	Caps []string `json:"caps"`
	// MaxMsgSize is the largest single message or RMA transfer in bytes.
	MaxMsgSize uint64 `json:"max_msg_size"`
}

// DAOSProvider returns the provider as DAOS spells it in configs:
// "ofi+" followed by libfabric's name.
func (i Info) DAOSProvider() string { return "ofi+" + i.Provider }

// LibfabricProvider turns a DAOS provider string ("ofi+tcp;ofi_rxm") into
// libfabric's ("tcp;ofi_rxm"). Strings without the prefix pass through.
func LibfabricProvider(daosProvider string) string {
	return strings.TrimPrefix(daosProvider, "ofi+")
}

// Config selects the provider and local address of an endpoint.
type Config struct {
	// Provider in libfabric's spelling, e.g. "tcp;ofi_rxm" or "shm".
	// Empty lets libfabric choose.
	Provider string
	// Node is the local address or host to bind, e.g. "127.0.0.1".
	// Empty lets the provider choose.
	Node string
	// Service is the local port (or provider-specific service);
	// empty or "0" picks an ephemeral one.
	Service string
	// Domain restricts the domain (interface or device), e.g. "lo".
	Domain string
	// WaitTimeout bounds one wait of the idle progress loop, so that a
	// provider whose wait object misses an event still makes progress
	// every so often; zero means 100 ms.
	WaitTimeout time.Duration
}

func (c Config) String() string {
	return fmt.Sprintf("provider %q node %q service %q domain %q", c.Provider, c.Node, c.Service, c.Domain)
}

// Addr is a peer's index in an endpoint's address vector.
type Addr uint64

// RemoteBuffer is what a peer needs to address registered memory with RMA.
// It is plain data, meant to travel inside RPCs.
type RemoteBuffer struct {
	// Addr is the base to use in RMA calls: the virtual address when the
	// provider uses FI_MR_VIRT_ADDR, otherwise 0 (offsets).
	Addr uint64
	// Key is the remote protection key.
	Key uint64
	// Len is the registered length in bytes.
	Len uint64
}

// Access says how registered memory may be used.
type Access uint

const (
	// AccessRemoteRead lets peers read the buffer with RMA.
	AccessRemoteRead Access = 1 << iota
	// AccessRemoteWrite lets peers write the buffer with RMA.
	AccessRemoteWrite
	// AccessLocal lets this endpoint use the buffer as the local side of
	// RMA and messages.
	AccessLocal
)

// TaggedMessage is a received tagged message.
type TaggedMessage struct {
	// Len is the number of bytes received into the caller's buffer.
	Len int
	// Tag is the sender's tag.
	Tag uint64
}

// checkRange reports whether [off, off+n) lies within a buffer of size.
func checkRange(what string, off, n, size uint64) error {
	if n == 0 || off > size || n > size-off {
		return fmt.Errorf("%s: range [%d, %d) outside buffer of %d bytes", what, off, off+n, size)
	}
	return nil
}

// CompletionError is an operation that the provider completed with an
// error. Errno is libfabric's code (FI_E*, which match POSIX errno values
// where POSIX has one) and ProvErrno the provider's own (for tcp;ofi_rxm
// an errno too), so callers can tell, say, a refused connection from a bad
// protection key.
type CompletionError struct {
	Errno     int
	ProvErrno int
	Text      string
	// Truncated says a receive got a message larger than its buffer,
	// which holds the message's first bytes; TaggedMessage.Len is the
	// whole message's length.
	Truncated bool
}

func (e *CompletionError) Error() string { return "completion error: " + e.Text }

// maxAddrLen bounds a provider address (fi_getname's buffer here).
const maxAddrLen = 256

// Address formats (enum in fi_getinfo's addr_format) that checkAddr knows.
const (
	addrSockaddr    = 1 // FI_SOCKADDR
	addrSockaddrIn  = 2 // FI_SOCKADDR_IN
	addrSockaddrIn6 = 3 // FI_SOCKADDR_IN6
	addrStr         = 9 // FI_ADDR_STR
)

// Linux socket address families.
const (
	afInet  = 2
	afInet6 = 10
)

// checkAddr reports whether name can be an address of the given format,
// where addrLen is the length of the endpoint's own address (0: unknown).
func checkAddr(format uint32, addrLen int, name []byte) error {
	if len(name) == 0 || len(name) > maxAddrLen {
		return fmt.Errorf("address of %d bytes (limit %d)", len(name), maxAddrLen)
	}
	family := func() uint16 {
		if len(name) < 2 {
			return 0
		}
		return uint16(name[0]) | uint16(name[1])<<8 // host order, little-endian
	}
	switch format {
	case addrSockaddrIn:
		if len(name) != 16 || family() != afInet {
			return fmt.Errorf("%d bytes of family %d are not an IPv4 socket address", len(name), family())
		}
	case addrSockaddrIn6:
		if len(name) != 28 || family() != afInet6 {
			return fmt.Errorf("%d bytes of family %d are not an IPv6 socket address", len(name), family())
		}
	case addrSockaddr:
		if !(len(name) == 16 && family() == afInet) && !(len(name) == 28 && family() == afInet6) {
			return fmt.Errorf("%d bytes of family %d are not an IPv4 or IPv6 socket address", len(name), family())
		}
	case addrStr:
		if i := bytes.IndexByte(name, 0); i < 1 || i != len(name)-1 {
			return fmt.Errorf("a string address must end with its only NUL byte")
		}
	default:
		if addrLen > 0 && len(name) != addrLen {
			return fmt.Errorf("address of %d bytes, the provider's are %d", len(name), addrLen)
		}
	}
	return nil
}
