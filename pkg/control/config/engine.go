package config

import (
	"fmt"
	"strings"

	"github.com/daos-go/daos/pkg/engine/logmask"
)

// inheritFabric fills an engine's unset fabric keys from the top level.
func (s *Server) inheritFabric(e *Engine) {
	if e.Provider == "" {
		e.Provider = s.Provider
	}
	if e.Interface == "" {
		e.Interface = s.Interface
	}
	if e.InterfacePort == 0 {
		e.InterfacePort = s.InterfacePort
	}
	if e.BypassHealthChk == nil {
		e.BypassHealthChk = s.BypassHealthChk
	}
	if e.CrtTimeout == 0 {
		e.CrtTimeout = s.CrtTimeout
	}
	e.DisableSRX = e.DisableSRX || s.DisableSRX
	if e.AuthKey == "" {
		e.AuthKey = s.AuthKey
	}
	if e.SecondaryProviderEndpoints == nil {
		e.SecondaryProviderEndpoints = s.SecondaryProviderEndpoints
	}
}

func (s *Server) validateEngine(key string, e *Engine) *Error {
	if e.Provider != "" && s.Provider != "" && e.Provider != s.Provider {
		return keyErr(join(key, "provider"), "%q differs from the top-level provider %q: only one provider is supported", e.Provider, s.Provider)
	}
	s.inheritFabric(e)
	switch {
	case e.Targets == 0:
		return keyErr(join(key, "targets"), "required: the number of targets must be set and non-zero")
	case e.Targets < 0:
		return keyErr(join(key, "targets"), "must be positive, not %d", e.Targets)
	case e.HelperStreams < 0:
		return keyErr(join(key, "nr_xs_helpers"), "must not be negative, not %d", e.HelperStreams)
	case e.FirstCore != nil && *e.FirstCore < 0:
		return keyErr(join(key, "first_core"), "must not be negative, not %d", *e.FirstCore)
	case e.PinnedNumaNode != nil && *e.PinnedNumaNode < 0:
		return keyErr(join(key, "pinned_numa_node"), "must not be negative, not %d", *e.PinnedNumaNode)
	case e.FirstCore != nil && *e.FirstCore != 0 && e.PinnedNumaNode != nil:
		return keyErr(join(key, "first_core"), "cannot be used together with pinned_numa_node")
	case e.Provider == "":
		return keyErr(join(key, "provider"), "required: set provider at the top level or in the engine (e.g. ofi+tcp)")
	case e.Interface == "":
		return keyErr(join(key, "fabric_iface"), "required: set fabric_iface in the engine or at the top level (e.g. eth0)")
	case e.InterfacePort == 0:
		return keyErr(join(key, "fabric_iface_port"), "required: set fabric_iface_port in the engine or at the top level (e.g. 31416)")
	case e.CrtTimeout < 0:
		return keyErr(join(key, "crt_timeout"), "must not be negative")
	}
	if err := checkProvider(join(key, "provider"), e.Provider); err != nil {
		return err
	}
	if err := checkPort(join(key, "fabric_iface_port"), e.InterfacePort, false); err != nil {
		return err
	}
	if _, hi := portRange(e); hi > 65535 {
		return keyErr(join(key, "fabric_iface_port"), "%d plus %d contexts runs past port 65535", e.InterfacePort, e.ContextCount())
	}
	if tcpPorts(e.Provider) {
		lo, hi := portRange(e)
		for _, p := range []struct {
			name string
			port int
		}{{"port", s.Port}, {"telemetry_port", s.TelemetryPort}} {
			if p.port != 0 && p.port >= lo && p.port <= hi {
				return keyErr(join(key, "fabric_iface_port"), "fabric ports %d-%d include %s %d", lo, hi, p.name, p.port)
			}
		}
	}
	for i, ep := range e.SecondaryProviderEndpoints {
		if ep <= 0 {
			return keyErr(index(join(key, "secondary_provider_endpoints"), i), "must be positive, not %d", ep)
		}
	}
	if e.LogMask == "" {
		e.LogMask = DefaultEngineLogMask
	}
	if err := checkLogMask(join(key, "log_mask"), e.LogMask); err != nil {
		return err
	}
	if err := checkEnvVars(join(key, "env_vars"), e.EnvVars); err != nil {
		return err
	}
	for i, kv := range e.EnvVars {
		// The engine takes D_LOG_MASK over log_mask, so a bad one is
		// refused here rather than ignored there.
		if v, ok := strings.CutPrefix(kv, "D_LOG_MASK="); ok {
			if err := checkLogMask(index(join(key, "env_vars"), i), v); err != nil {
				return err
			}
		}
		if v, ok := strings.CutPrefix(kv, "DD_MASK="); ok {
			if err := logmask.CheckStreams(v); err != nil {
				return keyErr(index(join(key, "env_vars"), i), "DD_MASK %v", err)
			}
		}
		if v, ok := strings.CutPrefix(kv, "DD_SUBSYS="); ok {
			if err := logmask.CheckSubsystems(v); err != nil {
				return keyErr(index(join(key, "env_vars"), i), "DD_SUBSYS %v", err)
			}
		}
	}
	for i, name := range e.EnvPassThrough {
		if !envNameRE.MatchString(name) {
			return keyErr(index(join(key, "env_pass_through"), i), "%q is not an environment variable name", name)
		}
	}
	if err := checkExtras(key, e); err != nil {
		return err
	}
	if err := s.validateTiers(join(key, "storage"), e.Storage); err != nil {
		return err
	}
	return checkTargetsPerSSD(key, e)
}

// Targets one SSD may serve (CONTROL.md 1.2): 64 with PMem (or RAM)
// holding the metadata, 21 when an SSD carries all three MD-on-SSD roles.
const (
	maxTargetsPerSSD      = 64
	maxTargetsPerSSDRoles = 21
)

// checkTargetsPerSSD refuses more targets than the engine's SSDs (its
// bdev_list entries) can serve.
func checkTargetsPerSSD(key string, e *Engine) *Error {
	ssds, limit := 0, maxTargetsPerSSD
	for _, t := range e.Storage {
		if t == nil || !t.IsBdev() {
			continue
		}
		ssds += len(t.BdevList)
		if len(t.BdevRoles) == 3 {
			limit = maxTargetsPerSSDRoles
		}
	}
	if ssds > 0 && e.Targets > limit*ssds {
		return keyErr(join(key, "targets"), "%d targets on %d SSDs: at most %d per SSD here", e.Targets, ssds, limit)
	}
	return nil
}

// checkExtras validates the engine's optional tuning blocks.
func checkExtras(key string, e *Engine) *Error {
	if a := e.BdevAutoFaulty; a != nil && (a.MaxIOErrs < 0 || a.MaxCsumErrs < 0 || a.MaxCsumErrs > 1<<32-1) {
		return keyErr(join(key, "bdev_auto_faulty"), "max_io_errs and max_csum_errs must be within 0-%d", uint32(1<<32-1))
	}
	if b := e.SpdkIobuf; b != nil && (b.SmallPoolCount < 0 || b.LargePoolCount < 0) {
		return keyErr(join(key, "spdk_iobuf"), "pool counts must not be negative")
	}
	if a := e.Acceleration; a != nil {
		if a.Engine != "" && !oneOf(a.Engine, accelNames) {
			return keyErr(join(key, "acceleration.engine"), "%q is not one of %s", a.Engine, strings.Join(accelNames, ", "))
		}
		for i, o := range a.Options {
			if !oneOf(o, accelOpts) {
				return keyErr(index(join(key, "acceleration.options"), i), "%q is not one of %s", o, strings.Join(accelOpts, ", "))
			}
		}
	}
	if r := e.SpdkRPCServer; r != nil && r.Enable && r.SockAddr == "" {
		return keyErr(join(key, "spdk_rpc_server.sock_addr"), "required when the SPDK RPC server is enabled")
	}
	return nil
}

// validateAcrossEngines applies the rules that relate engines to each
// other: equal targets and helpers, one SCM class, unique mounts, devices,
// log files and fabric endpoints.
func (s *Server) validateAcrossEngines() *Error {
	first := s.Engines[0]
	firstCore := false
	owner := make(map[string]string) // "kind\x00value" -> key of first user
	claim := func(kind, value, key string) *Error {
		id := kind + "\x00" + value
		if prev, ok := owner[id]; ok {
			return keyErr(key, "%s %q is already used by %s", kind, value, prev)
		}
		owner[id] = key
		return nil
	}
	var nvme bool
	bdevCount := -1
	for i, e := range s.Engines {
		key := index("engines", i)
		if e.Targets != first.Targets {
			return keyErr(join(key, "targets"), "%d differs from engines[0]'s %d: all engines must have the same number of targets", e.Targets, first.Targets)
		}
		if e.HelperStreams != first.HelperStreams {
			return keyErr(join(key, "nr_xs_helpers"), "%d differs from engines[0]'s %d: all engines must have the same number of helpers", e.HelperStreams, first.HelperStreams)
		}
		firstCore = firstCore || e.FirstCore != nil
		if e.LogFile != "" {
			if err := claim("log file", e.LogFile, join(key, "log_file")); err != nil {
				return err
			}
		}
		if err := claim("fabric endpoint", fmt.Sprintf("%s %s:%d", e.Provider, e.Interface, e.InterfacePort), join(key, "fabric_iface_port")); err != nil {
			return err
		}
		if err := s.checkPortOverlap(i); err != nil {
			return err
		}
		scm, scm0 := e.SCM(), first.SCM()
		if scm.Class != scm0.Class {
			return keyErr(join(key, "storage[0].class"), "%q differs from engines[0]'s %q: all engines must use one SCM class", scm.Class, scm0.Class)
		}
		if hugeOff(scm) != hugeOff(scm0) {
			return keyErr(join(key, "storage[0].scm_hugepages_disabled"), "must be the same in all engines")
		}
		n := 0
		for j, t := range e.Storage {
			tkey := index(join(key, "storage"), j)
			if t.ScmMount != "" {
				if err := claim("mount point", t.ScmMount, join(tkey, "scm_mount")); err != nil {
					return err
				}
			}
			for k, d := range t.ScmList {
				if err := claim("SCM device", d, index(join(tkey, "scm_list"), k)); err != nil {
					return err
				}
			}
			for k, d := range t.BdevList {
				if err := claim("bdev", d, index(join(tkey, "bdev_list"), k)); err != nil {
					return err
				}
				for x, ex := range s.BdevExclude {
					if strings.EqualFold(ex, d) {
						return keyErr(index(join(tkey, "bdev_list"), k), "%q is also listed in bdev_exclude[%d]", d, x)
					}
				}
			}
			n += len(t.BdevList)
			nvme = nvme || t.Class == ClassNVMe
		}
		if bdevCount >= 0 && n != bdevCount {
			s.notice("engines have different numbers of bdevs (%d in engines[0], %d in %s)", bdevCount, n, key)
		}
		if bdevCount < 0 {
			bdevCount = n
		}
	}
	if nvme && s.DisableHugepages {
		return keyErr("disable_hugepages", "cannot be true when engines use NVMe (class nvme) storage")
	}
	if firstCore {
		for i, e := range s.Engines {
			if e.PinnedNumaNode != nil {
				s.notice("engines[%d].pinned_numa_node is ignored because an engine sets first_core", i)
			}
		}
	}
	return nil
}

// checkPortOverlap rejects engine i's fabric port range when it overlaps
// an earlier engine's on the same interface.
func (s *Server) checkPortOverlap(i int) *Error {
	e := s.Engines[i]
	lo, hi := portRange(e)
	for j := 0; j < i; j++ {
		o := s.Engines[j]
		if o.Interface != e.Interface {
			continue
		}
		olo, ohi := portRange(o)
		if lo <= ohi && olo <= hi {
			return keyErr(join(index("engines", i), "fabric_iface_port"),
				"ports %d-%d on %s overlap engines[%d]'s %d-%d (each engine uses one port per context: %d here)",
				lo, hi, e.Interface, j, olo, ohi, e.ContextCount())
		}
	}
	return nil
}

// hugeOff is scm_hugepages_disabled with its default (true).
func hugeOff(t *Tier) bool { return t.ScmHugepagesDisabled == nil || *t.ScmHugepagesDisabled }
