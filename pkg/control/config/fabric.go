package config

import (
	"regexp"
	"strings"
)

// ofiProviders are libfabric's core providers DAOS can run on.
var ofiProviders = []string{"tcp", "verbs", "cxi", "opx", "psm2", "psm3", "shm", "sockets", "udp", "efa", "lnx"}

var (
	ofiRE = regexp.MustCompile(`^ofi\+([a-z0-9]+)(;ofi_(rxm|rxd))?$`)
	ucxRE = regexp.MustCompile(`^ucx\+[a-z][a-z0-9_]*$`)
)

// checkProvider accepts one provider in DAOS's spelling: "ofi+tcp",
// "ofi+tcp;ofi_rxm", "ofi+verbs;ofi_rxm", "ofi+cxi", "ucx+dc_x", ...
func checkProvider(key, p string) *Error {
	if strings.Contains(p, ",") {
		return keyErr(key, "%q names %d providers: only one provider is supported", p, len(strings.Split(p, ",")))
	}
	if m := ofiRE.FindStringSubmatch(p); m != nil {
		if !oneOf(m[1], ofiProviders) {
			return keyErr(key, "%q: unknown libfabric provider %q (known: %s)", p, m[1], strings.Join(ofiProviders, ", "))
		}
		return nil
	}
	if ucxRE.MatchString(p) {
		return nil
	}
	return keyErr(key, "%q is not a provider: expected ofi+<name>[;ofi_rxm] or ucx+<transport>, e.g. ofi+tcp", p)
}

// contiguousPorts says whether a provider opens one port per context
// above fabric_iface_port, so engines on one interface need disjoint
// ranges.
func contiguousPorts(p string) bool {
	return strings.HasPrefix(p, "ofi+tcp") || strings.HasPrefix(p, "ofi+verbs") || strings.HasPrefix(p, "ucx+")
}

// tcpPorts says whether the fabric ports are TCP ports, which then must
// not collide with the control plane's TCP ports.
func tcpPorts(p string) bool {
	return strings.HasPrefix(p, "ofi+tcp") || p == "ucx+tcp"
}

// portRange is the first and last fabric port an engine uses.
func portRange(e *Engine) (lo, hi int) {
	if !contiguousPorts(e.Provider) {
		return e.InterfacePort, e.InterfacePort
	}
	return e.InterfacePort, e.InterfacePort + e.ContextCount() - 1
}
