package fabric

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Limits on addressing strings, which arrive from configs and peers.
const (
	maxProviderLen = 64
	maxURILen      = 256
)

// Provider is a provider string as DAOS writes it, parsed: "tcp" (our
// pure-Go provider) or "ofi+" followed by a libfabric core provider and an
// optional utility provider, "ofi+tcp;ofi_rxm", "ofi+verbs;ofi_rxm",
// "ofi+shm", "ofi+cxi".
type Provider struct {
	// OFI is set for libfabric providers ("ofi+...").
	OFI bool
	// Core is the core provider: "tcp", "verbs", "shm", "cxi", ...
	Core string
	// Utility is the utility provider after ';', e.g. "ofi_rxm"; often empty.
	Utility string
}

// IsOFITCP reports whether s is libfabric's tcp in either of DAOS's
// spellings ("ofi+tcp", "ofi+tcp;ofi_rxm"): the provider daos-go's pure-Go
// tcp serves in its place where libfabric cannot.
func IsOFITCP(s string) bool { return s == "ofi+tcp" || s == "ofi+tcp;ofi_rxm" }

// ParseProvider checks a provider string and splits it.
func ParseProvider(s string) (Provider, error) {
	if s == "" {
		return Provider{}, errors.New("parse provider: empty provider string")
	}
	if len(s) > maxProviderLen {
		return Provider{}, fmt.Errorf("parse provider: %d bytes is longer than %d", len(s), maxProviderLen)
	}
	if s == "tcp" {
		return Provider{Core: "tcp"}, nil
	}
	rest, ok := strings.CutPrefix(s, "ofi+")
	if !ok {
		return Provider{}, fmt.Errorf("parse provider %q: want \"tcp\" or \"ofi+CORE[;UTILITY]\" (e.g. \"ofi+tcp;ofi_rxm\")", s)
	}
	core, util, hasUtil := strings.Cut(rest, ";")
	if !validName(core) || (hasUtil && !validName(util)) {
		return Provider{}, fmt.Errorf("parse provider %q: provider names are lower-case letters, digits and '_'", s)
	}
	return Provider{OFI: true, Core: core, Utility: util}, nil
}

// String is the DAOS spelling.
func (p Provider) String() string {
	if !p.OFI {
		return p.Core
	}
	if p.Utility == "" {
		return "ofi+" + p.Core
	}
	return "ofi+" + p.Core + ";" + p.Utility
}

// Libfabric is the provider as libfabric names it ("tcp;ofi_rxm"); empty
// for non-libfabric providers.
func (p Provider) Libfabric() string {
	if !p.OFI {
		return ""
	}
	return strings.TrimPrefix(p.String(), "ofi+")
}

// IPBased reports whether the provider's addresses are IP host:port pairs.
// Others (shm) carry opaque provider-specific addresses.
func (p Provider) IPBased() bool {
	switch p.Core {
	case "tcp", "verbs", "udp", "sockets":
		return true
	}
	return false
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// URI names one endpoint: its provider and its address in that provider's
// form, written "PROVIDER://ADDRESS" as DAOS's attach info does, e.g.
// "ofi+tcp;ofi_rxm://127.0.0.1:31416" or "tcp://127.0.0.2:20000". It is a
// comparable value, usable as a map key.
type URI struct {
	Provider Provider
	// Address is "host:port" for IP-based providers, otherwise opaque
	// printable text chosen by the provider.
	Address string
}

// ParseURI checks a URI from a config, attach info or a peer.
func ParseURI(s string) (URI, error) {
	if len(s) > maxURILen {
		return URI{}, fmt.Errorf("parse URI: %d bytes is longer than %d", len(s), maxURILen)
	}
	ps, addr, ok := strings.Cut(s, "://")
	if !ok {
		return URI{}, fmt.Errorf("parse URI %q: want PROVIDER://ADDRESS", s)
	}
	p, err := ParseProvider(ps)
	if err != nil {
		return URI{}, fmt.Errorf("parse URI %q: %w", s, err)
	}
	u := URI{Provider: p, Address: addr}
	if err := u.check(); err != nil {
		return URI{}, fmt.Errorf("parse URI %q: %w", s, err)
	}
	return u, nil
}

func (u URI) check() error {
	if u.Address == "" {
		return errors.New("empty address")
	}
	for _, c := range []byte(u.Address) {
		if c <= ' ' || c >= 0x7f {
			return fmt.Errorf("address has a non-printable or space byte 0x%02x", c)
		}
	}
	if !u.Provider.IPBased() {
		return nil
	}
	if _, err := u.AddrPort(); err != nil {
		return err
	}
	return nil
}

// AddrPort is the IP address and port of an IP-based provider's URI.
func (u URI) AddrPort() (netip.AddrPort, error) {
	ap, err := netip.ParseAddrPort(u.Address)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("address %q is not IP:PORT: %w", u.Address, err)
	}
	if ap.Port() == 0 {
		return netip.AddrPort{}, fmt.Errorf("address %q has port 0", u.Address)
	}
	return ap, nil
}

// String is "PROVIDER://ADDRESS"; the zero URI prints as "".
func (u URI) String() string {
	if u == (URI{}) {
		return ""
	}
	return u.Provider.String() + "://" + u.Address
}

// IsZero reports whether u is the zero URI.
func (u URI) IsZero() bool { return u == URI{} }

// Config says which endpoint to open, in the terms of an engine's config
// (provider, fabric_iface, fabric_iface_port) plus limits.
type Config struct {
	// Provider in DAOS's spelling: "tcp", "ofi+tcp;ofi_rxm", "ofi+shm", ...
	Provider string
	// Interface is a network interface name ("lo", "eth0"), whose first
	// IPv4 address is used, or an IP address ("127.0.0.2"). Empty means
	// 127.0.0.1.
	Interface string
	// Port to listen on; 0 picks a free one.
	Port int
	// MaxMessageSize bounds every message sent or received, in bytes;
	// 0 means DefaultMaxMessageSize.
	MaxMessageSize int
}

// DefaultMaxMessageSize bounds a message unless Config says otherwise:
// a 1 MiB payload plus room for headers.
const DefaultMaxMessageSize = 1<<20 + 4096

// MessageLimit is the effective message size limit of c.
func (c Config) MessageLimit() int {
	if c.MaxMessageSize <= 0 {
		return DefaultMaxMessageSize
	}
	return c.MaxMessageSize
}

// ListenAddr resolves Interface and Port to the IP address and port to
// listen on.
func (c Config) ListenAddr() (netip.AddrPort, error) {
	if c.Port < 0 || c.Port > 65535 {
		return netip.AddrPort{}, fmt.Errorf("port %d is outside 0-65535", c.Port)
	}
	ip, err := ResolveInterface(c.Interface)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(ip, uint16(c.Port)), nil
}

// ResolveInterface turns an interface name or IP literal into an address:
// an IP literal is itself, a name gives its first IPv4 address (else its
// first address), "" gives 127.0.0.1.
func ResolveInterface(iface string) (netip.Addr, error) {
	if iface == "" {
		return netip.AddrFrom4([4]byte{127, 0, 0, 1}), nil
	}
	if ip, err := netip.ParseAddr(iface); err == nil {
		return ip, nil
	}
	ni, err := net.InterfaceByName(iface)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("resolve fabric interface %q: %w", iface, err)
	}
	addrs, err := ni.Addrs()
	if err != nil {
		return netip.Addr{}, fmt.Errorf("resolve fabric interface %q: list addresses: %w", iface, err)
	}
	var first netip.Addr
	for _, a := range addrs {
		pfx, err := netip.ParsePrefix(a.String())
		if err != nil {
			continue
		}
		ip := pfx.Addr()
		if ip.Is4() {
			return ip, nil
		}
		if !first.IsValid() && !ip.IsLinkLocalUnicast() {
			first = ip
		}
	}
	if first.IsValid() {
		return first, nil
	}
	return netip.Addr{}, fmt.Errorf("resolve fabric interface %q: it has no usable IP address", iface)
}

// IPURI builds the URI of an IP-based endpoint.
func IPURI(p Provider, ap netip.AddrPort) URI {
	return URI{Provider: p, Address: ap.String()}
}
