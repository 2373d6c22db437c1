package config

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/daos-go/daos/pkg/control/hostlist"
)

// Defaults of daos_agent.yml, as in DAOS.
const (
	DefaultAgentConfigPath = "/etc/daos/daos_agent.yml"
	DefaultAgentRuntimeDir = "/var/run/daos_agent"
)

// Agent is the content of daos_agent.yml.
type Agent struct {
	Name         string    `yaml:"name"`
	AccessPoints []string  `yaml:"access_points"`
	Port         int       `yaml:"port"`
	Transport    Transport `yaml:"transport_config"`
	RuntimeDir   string    `yaml:"runtime_dir"`
	LogFile      string    `yaml:"log_file,omitempty"`
	// FabricIfaces lists, per NUMA node, the interfaces clients on this
	// node should use; empty means detect them.
	FabricIfaces []AgentNUMAIfaces `yaml:"fabric_ifaces,omitempty"`
	// CacheExpiration is how long, in minutes, fetched attach info is
	// kept; 0 keeps it until the agent restarts.
	CacheExpiration int `yaml:"cache_expiration"`
	// DisableCaching fetches attach info for every client request.
	DisableCaching bool             `yaml:"disable_caching,omitempty"`
	Credentials    AgentCredentials `yaml:"credential_config"`
	// ControlLogMask is the agent's log level, with the server's
	// control_log_mask values (DISABLED, TRACE, DEBUG, INFO, NOTICE,
	// ERROR).
	ControlLogMask string `yaml:"control_log_mask,omitempty"`
	// DisableAutoEvict keeps local pool handles open when the agent
	// stops; EvictOnStart evicts this node's handles when it starts.
	DisableAutoEvict bool `yaml:"disable_auto_evict,omitempty"`
	EvictOnStart     bool `yaml:"enable_evict_on_start,omitempty"`
	// ExcludeFabricIfaces and IncludeFabricIfaces filter the scanned
	// interfaces (not fabric_ifaces); at most one may be given.
	ExcludeFabricIfaces []string `yaml:"exclude_fabric_ifaces,omitempty"`
	IncludeFabricIfaces []string `yaml:"include_fabric_ifaces,omitempty"`
	// Client telemetry. TelemetryPort > 0 exports client metrics on that
	// port; the others need TelemetryEnabled. TelemetryRetain is a
	// duration; the *Procs keys are regular expressions over process
	// names.
	TelemetryPort          int    `yaml:"telemetry_port,omitempty"`
	TelemetryEnabled       bool   `yaml:"telemetry_enabled,omitempty"`
	TelemetryRetain        string `yaml:"telemetry_retain,omitempty"`
	TelemetryEnabledProcs  string `yaml:"telemetry_enabled_procs,omitempty"`
	TelemetryDisabledProcs string `yaml:"telemetry_disabled_procs,omitempty"`

	// Path is the file the config was read from; empty for defaults.
	Path string `yaml:"-"`
}

// AgentNUMAIfaces is one entry of fabric_ifaces.
type AgentNUMAIfaces struct {
	NUMANode int           `yaml:"numa_node"`
	Devices  []AgentDevice `yaml:"devices"`
}

// AgentDevice is a fabric interface and its domain (the RDMA device; the
// interface name again for tcp).
type AgentDevice struct {
	Iface  string `yaml:"iface"`
	Domain string `yaml:"domain,omitempty"`
}

// AgentCredentials is credential_config. CacheExpiration is DAOS's key;
// SigningKey is daos-go's: a PEM (PKCS #8) Ed25519 private key that
// signs the credentials the agent hands out. Servers verify them with
// the matching public key.
type AgentCredentials struct {
	CacheExpiration string `yaml:"cache_expiration,omitempty"`
	SigningKey      string `yaml:"signing_key,omitempty"`
	// ClientUserMap names the users of uids that have no passwd entry
	// on this node (containers): keys are uids or "default".
	ClientUserMap map[string]MappedUser `yaml:"client_user_map,omitempty"`
}

// MappedUser is an entry of client_user_map: the names to put in the
// credential of a uid the agent cannot look up.
type MappedUser struct {
	User   string   `yaml:"user"`
	Group  string   `yaml:"group,omitempty"`
	Groups []string `yaml:"groups,omitempty"`
}

// DefaultMappedUID is the client_user_map key "default".
const DefaultMappedUID = "default"

// MappedUser returns the client_user_map entry for uid: its own, else
// "default"; ok is false when neither exists.
func (c AgentCredentials) MappedUser(uid uint32) (MappedUser, bool) {
	if m, ok := c.ClientUserMap[strconv.FormatUint(uint64(uid), 10)]; ok {
		return m, true
	}
	m, ok := c.ClientUserMap[DefaultMappedUID]
	return m, ok
}

// CredentialCacheExpiration parses credential_config.cache_expiration;
// empty means no caching (0). A bare number is nanoseconds, as DAOS
// reads it.
func (c AgentCredentials) CredentialCacheExpiration() (time.Duration, error) {
	return parseDuration(c.CacheExpiration)
}

// Retain parses telemetry_retain (0 when unset). As in DAOS, whose
// YAML decoder reads a bare integer into a duration as nanoseconds, a
// number without a unit is nanoseconds.
func (a *Agent) Retain() (time.Duration, error) {
	return parseDuration(a.TelemetryRetain)
}

func parseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Duration(n), nil
	}
	return time.ParseDuration(s)
}

// AttachInfoExpiration is cache_expiration as a duration (0: never).
func (a *Agent) AttachInfoExpiration() time.Duration {
	return time.Duration(a.CacheExpiration) * time.Minute
}

// AgentFlags are daos_agent's flags that shape its config.
type AgentFlags struct {
	ConfigPath string // -o/--config-path; "" means DefaultAgentConfigPath
	// ConfigPathGiven is true when -o was given: the file must then
	// exist, while a missing default file means all defaults.
	ConfigPathGiven bool
	Insecure        bool   // -i/--insecure
	RuntimeDir      string // -s/--runtime_dir
	LogFile         string // -l/--logfile
}

// ResolveAgent reads daos_agent.yml as the flags say and applies the
// flags over it.
func ResolveAgent(f AgentFlags) (*Agent, error) {
	path := f.ConfigPath
	if path == "" {
		path = DefaultAgentConfigPath
	}
	src, err := ReadSource(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !f.ConfigPathGiven:
		src = Source{Name: "defaults"}
	case err != nil:
		return nil, err
	}
	src.Overrides = map[string]any{}
	if f.Insecure {
		src.Overrides["transport_config.allow_insecure"] = true
	}
	if f.RuntimeDir != "" {
		src.Overrides["runtime_dir"] = f.RuntimeDir
	}
	if f.LogFile != "" {
		src.Overrides["log_file"] = f.LogFile
	}
	return LoadAgent(src)
}

// LoadAgent parses and validates daos_agent.yml. Access points get the
// default port when they have none.
func LoadAgent(src Source) (*Agent, error) {
	defaults := map[string]any{
		"name":          DefaultSystemName,
		"port":          DefaultControlPort,
		"access_points": []string{"localhost"},
		"runtime_dir":   DefaultAgentRuntimeDir,
		// As in DAOS, the agent's control_log_mask defaults to the
		// server's.
		"control_log_mask": DefaultControlLogMask,
	}
	for k, v := range transportDefaults(ComponentAgent) {
		defaults[k] = v
	}
	var cfg Agent
	lines, err := decode(src, defaults, &cfg)
	if err != nil {
		return nil, err
	}
	if err := checkUserMapKeys(lines); err != nil {
		return nil, locate(err, src.Name, lines)
	}
	if err := cfg.validate(); err != nil {
		return nil, locate(err, src.Name, lines)
	}
	if src.Data != nil {
		cfg.Path = src.Name
	}
	return &cfg, nil
}

func (a *Agent) validate() *Error {
	if a.Name == "" || len(a.Name) > MaxSystemNameLen {
		return keyErr("name", "%q must be 1 to %d characters", a.Name, MaxSystemNameLen)
	}
	if err := checkPort("port", a.Port, false); err != nil {
		return err
	}
	if len(a.AccessPoints) == 0 {
		return keyErr("access_points", "must name at least one host")
	}
	hosts, err := hostlist.Addrs(strings.Join(a.AccessPoints, ","), a.Port)
	if err != nil {
		for i, h := range a.AccessPoints {
			if _, hErr := hostlist.Parse(h); hErr != nil {
				return keyErr(index("access_points", i), "%v", hErr)
			}
		}
		return keyErr("access_points", "%v", err)
	}
	a.AccessPoints = hosts
	if a.RuntimeDir == "" || !strings.HasPrefix(a.RuntimeDir, "/") {
		return keyErr("runtime_dir", "%q must be an absolute path", a.RuntimeDir)
	}
	if a.CacheExpiration < 0 {
		return keyErr("cache_expiration", "%d must be 0 (never expire) or a number of minutes", a.CacheExpiration)
	}
	for i, n := range a.FabricIfaces {
		key := index("fabric_ifaces", i)
		if n.NUMANode < 0 {
			return keyErr(join(key, "numa_node"), "%d must not be negative", n.NUMANode)
		}
		if len(n.Devices) == 0 {
			return keyErr(join(key, "devices"), "must list at least one device")
		}
		for j, d := range n.Devices {
			if d.Iface == "" {
				return keyErr(join(index(join(key, "devices"), j), "iface"), "must be set")
			}
		}
	}
	if d, err := a.Credentials.CredentialCacheExpiration(); err != nil || d < 0 {
		return keyErr("credential_config.cache_expiration",
			"%q must be a duration such as 1m", a.Credentials.CacheExpiration)
	}
	if err := a.Credentials.validateUserMap(); err != nil {
		return err
	}
	if !oneOf(strings.ToUpper(a.ControlLogMask), ctlLevels) {
		return keyErr("control_log_mask", "%q is not one of %s", a.ControlLogMask, strings.Join(ctlLevels, ", "))
	}
	if len(a.ExcludeFabricIfaces) > 0 && len(a.IncludeFabricIfaces) > 0 {
		return keyErr("include_fabric_ifaces", "cannot be set together with exclude_fabric_ifaces")
	}
	for _, k := range []struct {
		key  string
		list []string
	}{{"exclude_fabric_ifaces", a.ExcludeFabricIfaces}, {"include_fabric_ifaces", a.IncludeFabricIfaces}} {
		for i, n := range k.list {
			if n == "" {
				return keyErr(index(k.key, i), "must name an interface")
			}
		}
	}
	if err := a.validateTelemetry(); err != nil {
		return err
	}
	if err := a.Transport.validate(); err != nil {
		return err
	}
	return nil
}

// validateUserMap checks client_user_map's keys and spells each uid in
// its canonical form, the one MappedUser looks up.
func (c *AgentCredentials) validateUserMap() *Error {
	if len(c.ClientUserMap) == 0 {
		return nil
	}
	const mapKey = "credential_config.client_user_map"
	uids := make([]string, 0, len(c.ClientUserMap))
	for uid := range c.ClientUserMap {
		uids = append(uids, uid)
	}
	sort.Strings(uids) // the same error each time
	out := make(map[string]MappedUser, len(uids))
	for _, uid := range uids {
		m, key, canon := c.ClientUserMap[uid], join(mapKey, uid), uid
		if uid != DefaultMappedUID {
			// MaxUint32 is (uid_t)-1, which names no user.
			n, err := strconv.ParseUint(uid, 10, 32)
			if err != nil || n == math.MaxUint32 {
				return keyErr(key, "%q is neither a uid nor %q", uid, DefaultMappedUID)
			}
			canon = strconv.FormatUint(n, 10)
		}
		if _, dup := out[canon]; dup {
			return keyErr(key, "uid %s is mapped twice", canon)
		}
		if m.User == "" {
			return keyErr(join(key, "user"), "must be set")
		}
		for i, g := range m.Groups {
			if g == "" {
				return keyErr(index(join(key, "groups"), i), "must name a group")
			}
		}
		out[canon] = m
	}
	c.ClientUserMap = out
	return nil
}

// checkUserMapKeys checks client_user_map's keys as the file spells them:
// the decoder folds their case, and DAOS does not ("Default" is no key).
func checkUserMapKeys(lines map[string]int) *Error {
	const prefix = "credential_config.client_user_map."
	keys := make([]string, 0, len(lines))
	for k := range lines {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		name, _, _ = strings.Cut(name, ".")
		if name == DefaultMappedUID {
			continue
		}
		if n, err := strconv.ParseUint(name, 10, 32); err != nil || n == math.MaxUint32 {
			return keyErr(prefix+name, "%q is neither a uid nor %q", name, DefaultMappedUID)
		}
	}
	return nil
}

// validateTelemetry applies DAOS's rules: telemetry_enabled needs a
// port; retain and the process patterns need telemetry_enabled; only one
// pattern may be given.
func (a *Agent) validateTelemetry() *Error {
	if err := checkPort("telemetry_port", a.TelemetryPort, true); err != nil {
		return err
	}
	if a.TelemetryEnabled && a.TelemetryPort == 0 {
		return keyErr("telemetry_enabled", "requires telemetry_port")
	}
	d, err := a.Retain()
	if err != nil || d < 0 {
		return keyErr("telemetry_retain", "%q must be a duration such as 10m", a.TelemetryRetain)
	}
	if d > 0 && !a.TelemetryEnabled {
		return keyErr("telemetry_retain", "requires telemetry_enabled: true")
	}
	for _, p := range []struct{ key, re string }{
		{"telemetry_enabled_procs", a.TelemetryEnabledProcs},
		{"telemetry_disabled_procs", a.TelemetryDisabledProcs},
	} {
		if p.re == "" {
			continue
		}
		if _, err := regexp.Compile(p.re); err != nil {
			return keyErr(p.key, "%q is not a valid regular expression: %v", p.re, err)
		}
		if !a.TelemetryEnabled {
			return keyErr(p.key, "requires telemetry_enabled: true")
		}
	}
	if a.TelemetryEnabledProcs != "" && a.TelemetryDisabledProcs != "" {
		return keyErr("telemetry_disabled_procs", "cannot be set together with telemetry_enabled_procs")
	}
	return nil
}

// String names the config's source for logs.
func (a *Agent) String() string {
	if a.Path == "" {
		return "daos_agent config (defaults)"
	}
	return fmt.Sprintf("daos_agent config %s", a.Path)
}
