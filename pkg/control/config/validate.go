package config

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/daos-go/daos/pkg/engine/logmask"
)

// LoadServer parses and validates daos_server.yml. Defaults are applied
// for keys the file leaves out; errors name the file, line and key.
func LoadServer(src Source) (*Server, error) {
	defaults := map[string]any{
		"name":                          DefaultSystemName,
		"port":                          DefaultControlPort,
		"socket_dir":                    DefaultSocketDir,
		"control_log_mask":              DefaultControlLogMask,
		"core_dump_filter":              DefaultCoreDumpFilter,
		"engine_auto_restart_min_delay": DefaultAutoRestartMinDelay,
	}
	for k, v := range transportDefaults(ComponentServer) {
		defaults[k] = v
	}
	var cfg Server
	lines, err := decode(src, defaults, &cfg)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, locate(err, src.Name, lines)
	}
	return &cfg, nil
}

// Notices are remarks about a validated config that are not errors:
// deprecated keys, keys that do not apply to daos-go, no redundancy.
func (s *Server) Notices() []string { return s.notices }

func (s *Server) notice(format string, args ...any) {
	s.notices = append(s.notices, fmt.Sprintf(format, args...))
}

var (
	envNameRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	pciAddrRE  = regexp.MustCompile(`^[0-9a-fA-F]{4,8}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$`)
	busidRE    = regexp.MustCompile(`^(0[xX][0-9a-fA-F]{1,2}|[0-9]{1,3})-(0[xX][0-9a-fA-F]{1,2}|[0-9]{1,3})$`)
	sysNameRE  = regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)
	ctlLevels  = []string{"DISABLED", "TRACE", "DEBUG", "INFO", "NOTICE", "ERROR"}
	accelNames = []string{"none", "spdk", "dml"}
	accelOpts  = []string{"crc", "move"}
)

// Validate checks the config against DAOS's rules and fills in what the
// rules derive: mgmt_svc_replicas from access_points or the default,
// ports on replicas, engine fabric keys inherited from the top level,
// default engine log masks and MD-on-SSD roles. It returns the first
// problem as an *Error naming the key.
func (s *Server) Validate() error {
	s.notices = nil
	if err := s.validateTop(); err != nil {
		return err
	}
	if len(s.Engines) == 0 {
		s.notice("no engines configured: the server runs in discovery mode")
		return nil
	}
	for i, e := range s.Engines {
		if e == nil {
			return keyErr(index("engines", i), "empty engine entry")
		}
		if err := s.validateEngine(index("engines", i), e); err != nil {
			return err
		}
	}
	if err := s.validateAcrossEngines(); err != nil {
		return err
	}
	if keys := s.inertKeys(); len(keys) > 0 {
		s.notice("these keys are accepted but change nothing here (daos-go has no SPDK, VFIO, VMD, kernel modules or shared receive contexts to set up, and engines get daos_server's whole environment): %s",
			strings.Join(keys, ", "))
	}
	return nil
}

// inertKeys names the keys set in the config that daos-go reads but that
// have no effect on its engines, so that admins are told rather than
// left to think they took effect.
func (s *Server) inertKeys() []string {
	var keys []string
	add := func(set bool, key string) {
		if set && !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	add(s.DisableVFIO, "disable_vfio")
	add(s.DisableVMD, "disable_vmd")
	add(s.DisableHotplug != nil, "disable_hotplug")
	add(s.AllowNumaImbalance, "allow_numa_imbalance")
	add(s.AllowTHP, "allow_thp")
	add(s.KernelConfigPath != "", "kernel_config_path")
	top := s.Fabric
	// Engines inherit these from the top level: an engine is named only
	// when the top level does not set the key.
	fabric := func(prefix string, f Fabric) {
		add(f.BypassHealthChk != nil && *f.BypassHealthChk && (prefix == "" || top.BypassHealthChk == nil), prefix+"bypass_health_chk")
		add(f.DisableSRX && (prefix == "" || !top.DisableSRX), prefix+"disable_srx")
		add(f.AuthKey != "" && (prefix == "" || top.AuthKey == ""), prefix+"fabric_auth_key")
	}
	fabric("", top)
	for i, e := range s.Engines {
		if e == nil {
			continue
		}
		p := fmt.Sprintf("engines[%d].", i)
		fabric(p, e.Fabric)
		add(len(e.EnvPassThrough) > 0, p+"env_pass_through")
		add(e.Modules != "", p+"modules")
		add(e.BdevAutoFaulty != nil, p+"bdev_auto_faulty")
		add(e.SpdkIobuf != nil, p+"spdk_iobuf")
		add(e.Acceleration != nil, p+"acceleration")
		add(e.SpdkRPCServer != nil, p+"spdk_rpc_server")
		for j, t := range e.Storage {
			if t != nil {
				add(t.ScmHugepagesDisabled != nil, fmt.Sprintf("%sstorage[%d].scm_hugepages_disabled", p, j))
				add(t.BdevBusidRange != "", fmt.Sprintf("%sstorage[%d].bdev_busid_range", p, j))
			}
		}
	}
	return keys
}

func (s *Server) validateTop() *Error {
	switch {
	case s.Name == "":
		return keyErr("name", "must not be empty")
	case len(s.Name) > MaxSystemNameLen:
		return keyErr("name", "%q is %d characters, the limit is %d", s.Name, len(s.Name), MaxSystemNameLen)
	case !sysNameRE.MatchString(s.Name):
		return keyErr("name", "%q may only hold letters, digits and . _ : -", s.Name)
	}
	if err := checkPort("port", s.Port, false); err != nil {
		return err
	}
	if err := s.validateReplicas(); err != nil {
		return err
	}
	if err := s.Transport.validate(); err != nil {
		return err
	}
	if s.Provider != "" {
		if err := checkProvider("provider", s.Provider); err != nil {
			return err
		}
	}
	if s.InterfacePort != 0 {
		if err := checkPort("fabric_iface_port", s.InterfacePort, false); err != nil {
			return err
		}
	}
	if err := checkPort("telemetry_port", s.TelemetryPort, true); err != nil {
		return err
	}
	if s.TelemetryPort != 0 && s.TelemetryPort == s.Port {
		return keyErr("telemetry_port", "%d is also the control port (port)", s.TelemetryPort)
	}
	if !oneOf(strings.ToUpper(s.ControlLogMask), ctlLevels) {
		return keyErr("control_log_mask", "%q is not one of %s", s.ControlLogMask, strings.Join(ctlLevels, ", "))
	}
	if s.FaultPath != "" && s.FaultCb != "" {
		return keyErr("fault_cb", "cannot be set together with fault_path")
	}
	if s.FaultPath != "" {
		if err := checkFaultPath(s.FaultPath); err != nil {
			return err
		}
	}
	if s.FaultCb != "" && !strings.HasPrefix(s.FaultCb, "/") {
		return keyErr("fault_cb", "%q must be an absolute path to an executable", s.FaultCb)
	}
	if cm := s.ControlMetadata; cm != nil {
		if cm.Path == "" {
			return keyErr("control_metadata.path", "must be set when control_metadata is used")
		}
		if !strings.HasPrefix(cm.Path, "/") {
			return keyErr("control_metadata.path", "%q must be an absolute path", cm.Path)
		}
	}
	for i, a := range s.BdevExclude {
		if !pciAddrRE.MatchString(a) {
			return keyErr(index("bdev_exclude", i), "%q is not a PCI address (like 0000:81:00.0)", a)
		}
	}
	if s.EnableHotplug != nil {
		if s.DisableHotplug != nil {
			return keyErr("enable_hotplug", "cannot be set together with disable_hotplug (enable_hotplug is its deprecated inverse)")
		}
		v := !*s.EnableHotplug
		s.DisableHotplug = &v
		s.notice("enable_hotplug is deprecated: use disable_hotplug: %v", v)
	}
	if s.NrHugepages < 0 {
		return keyErr("nr_hugepages", "must not be negative (0 means automatic)")
	}
	if s.NrHugepages != 0 || s.DisableHugepages {
		s.notice("nr_hugepages and disable_hugepages do not apply: daos-go needs no hugepages for emulated storage")
	}
	if s.SystemRAMReserved != nil && *s.SystemRAMReserved <= 0 {
		return keyErr("system_ram_reserved", "must be a positive number of GiB, not %d", *s.SystemRAMReserved)
	}
	if s.CoreDumpFilter < 0 || s.CoreDumpFilter > 0xff {
		return keyErr("core_dump_filter", "%d is not a byte (0-255)", s.CoreDumpFilter)
	}
	if s.EngineAutoRestartMinDelay < 0 {
		return keyErr("engine_auto_restart_min_delay", "must not be negative")
	}
	if s.FirmwareHelperLogFile != "" {
		if s.HelperLogFile == "" {
			s.HelperLogFile = s.FirmwareHelperLogFile
		}
		s.notice("firmware_helper_log_file is deprecated: use helper_log_file")
	}
	if err := checkEnvVars("client_env_vars", s.ClientEnvVars); err != nil {
		return err
	}
	return nil
}

// validateReplicas merges access_points into mgmt_svc_replicas, adds the
// control port where none is given, and checks count and uniqueness.
func (s *Server) validateReplicas() *Error {
	key := "mgmt_svc_replicas"
	if len(s.AccessPoints) > 0 {
		if len(s.MgmtSvcReplicas) > 0 {
			return keyErr("access_points", "cannot be set together with mgmt_svc_replicas (access_points is its deprecated name)")
		}
		s.MgmtSvcReplicas, s.AccessPoints = s.AccessPoints, nil
		key = "access_points"
		s.notice("access_points is deprecated: use mgmt_svc_replicas")
	}
	if len(s.MgmtSvcReplicas) == 0 {
		s.MgmtSvcReplicas = []string{"localhost"}
	}
	seen := make(map[string]int)
	for i, r := range s.MgmtSvcReplicas {
		addr, err := withPort(r, s.Port)
		if err != nil {
			return keyErr(index(key, i), "%v", err)
		}
		if j, dup := seen[addr]; dup {
			return keyErr(index(key, i), "%q duplicates entry %d", r, j)
		}
		seen[addr] = i
		s.MgmtSvcReplicas[i] = addr
	}
	if n := len(s.MgmtSvcReplicas); n%2 == 0 {
		return keyErr(key, "%d replicas given: the count must be odd (1, 3, 5, ...)", n)
	}
	if len(s.MgmtSvcReplicas) == 1 {
		s.notice("one management service replica: no redundancy")
	}
	return nil
}

// withPort returns host:port, adding port when addr has none.
func withPort(addr string, port int) (string, error) {
	if addr == "" {
		return "", fmt.Errorf("empty address")
	}
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		if strings.Count(addr, ":") > 0 && !strings.HasPrefix(addr, "[") {
			return "", fmt.Errorf("%q is not host or host:port", addr)
		}
		host, p = strings.Trim(addr, "[]"), strconv.Itoa(port)
	}
	if host == "" {
		return "", fmt.Errorf("%q has no host name", addr)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n <= 0 || n > 65535 {
		return "", fmt.Errorf("%q has an invalid port (want 1-65535)", addr)
	}
	return net.JoinHostPort(host, p), nil
}

func checkPort(key string, port int, zeroOK bool) *Error {
	if port == 0 && zeroOK {
		return nil
	}
	if port <= 0 || port > 65535 {
		return keyErr(key, "%d is not a valid port (1-65535)", port)
	}
	return nil
}

func checkFaultPath(p string) *Error {
	if !strings.HasPrefix(p, "/") {
		return keyErr("fault_path", "%q must start with / (like /rack1/host1)", p)
	}
	if p == "/" {
		return nil
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" {
			return keyErr("fault_path", "%q has an empty level", p)
		}
	}
	return nil
}

func checkEnvVars(key string, vars []string) *Error {
	for i, kv := range vars {
		name, _, ok := strings.Cut(kv, "=")
		if !ok || !envNameRE.MatchString(name) {
			return keyErr(index(key, i), "%q is not NAME=value", kv)
		}
	}
	return nil
}

// checkLogMask accepts an engine log mask: a level, then optional
// subsystem=level items, e.g. "ERR,mgmt=DEBUG". The engine parses it with
// the same code.
func checkLogMask(key, mask string) *Error {
	_, err := logmask.Parse(mask)
	var ie *logmask.ItemError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ie) && ie.Item != "":
		return keyErr(key, "%q: item %q %s", mask, ie.Item, ie.Reason)
	case errors.As(err, &ie):
		return keyErr(key, "%q %s", mask, ie.Reason)
	default:
		return keyErr(key, "%v", err)
	}
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}
