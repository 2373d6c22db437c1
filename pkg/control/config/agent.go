package config

import (
	"errors"
	"fmt"
	"io/fs"
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
}

// CredentialCacheExpiration parses credential_config.cache_expiration;
// empty means no caching (0).
func (c AgentCredentials) CredentialCacheExpiration() (time.Duration, error) {
	if c.CacheExpiration == "" {
		return 0, nil
	}
	return time.ParseDuration(c.CacheExpiration)
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
	}
	for k, v := range transportDefaults(ComponentAgent) {
		defaults[k] = v
	}
	var cfg Agent
	lines, err := decode(src, defaults, &cfg)
	if err != nil {
		return nil, err
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
	if err := a.Transport.validate(); err != nil {
		return err
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
