package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/daos-go/daos/pkg/control/hostlist"
)

// DefaultControlConfigPath is dmg's system-wide config file; a user's
// ~/.daos_control.yml is read before it.
const DefaultControlConfigPath = "/etc/daos/daos_control.yml"

// Control is the content of daos_control.yml, dmg's config.
type Control struct {
	Name      string    `yaml:"name"`
	Port      int       `yaml:"port"`
	HostList  []string  `yaml:"hostlist"`
	Transport Transport `yaml:"transport_config"`

	// Path is the file the config was read from; empty for defaults.
	Path string `yaml:"-"`
}

// ControlSearchPath lists where dmg looks for its config when -o is not
// given, first match wins.
func ControlSearchPath(home string) []string {
	var paths []string
	if home != "" {
		paths = append(paths, filepath.Join(home, ".daos_control.yml"))
	}
	return append(paths, DefaultControlConfigPath)
}

// FindControl loads dmg's config: the explicit path if given (it must
// exist), otherwise the first file of search that exists, otherwise the
// defaults.
func FindControl(explicit string, search []string) (*Control, error) {
	return ResolveControl(ControlFlags{ConfigPath: explicit, Search: search})
}

// ControlFlags are dmg's global flags that shape its config.
type ControlFlags struct {
	ConfigPath string   // -o/--config-path
	HostList   string   // -l/--host-list: replaces the file's hostlist
	Insecure   bool     // -i/--insecure: transport_config.allow_insecure
	Search     []string // where to look without -o (ControlSearchPath)
}

// ResolveControl loads dmg's config as FindControl does and applies the
// command-line flags over it.
func ResolveControl(f ControlFlags) (*Control, error) {
	src := Source{Name: "defaults"}
	if f.ConfigPath != "" {
		var err error
		if src, err = ReadSource(f.ConfigPath); err != nil {
			return nil, err
		}
	} else {
		for _, p := range f.Search {
			found, err := ReadSource(p)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, err
			}
			src = found
			break
		}
	}
	if f.Insecure {
		src.Overrides = map[string]any{"transport_config.allow_insecure": true}
	}
	c, err := LoadControl(src)
	if err != nil {
		return nil, err
	}
	if f.HostList != "" {
		hosts, err := hostlist.Addrs(f.HostList, c.Port)
		if err != nil {
			return nil, fmt.Errorf("--host-list: %w", err)
		}
		c.HostList = hosts
	}
	return c, nil
}

// LoadControl parses and validates daos_control.yml. Host list entries may
// use ranges (node[1-4]); they are expanded, given the default port when
// they have none, sorted and deduplicated.
func LoadControl(src Source) (*Control, error) {
	defaults := map[string]any{
		"name":     DefaultSystemName,
		"port":     DefaultControlPort,
		"hostlist": []string{"localhost"},
	}
	for k, v := range transportDefaults(ComponentAdmin) {
		defaults[k] = v
	}
	var cfg Control
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

func (c *Control) validate() *Error {
	if c.Name == "" || len(c.Name) > MaxSystemNameLen {
		return keyErr("name", "%q must be 1 to %d characters", c.Name, MaxSystemNameLen)
	}
	if err := checkPort("port", c.Port, false); err != nil {
		return err
	}
	if len(c.HostList) == 0 {
		return keyErr("hostlist", "must name at least one host")
	}
	hosts, err := hostlist.Addrs(strings.Join(c.HostList, ","), c.Port)
	if err != nil {
		for i, h := range c.HostList {
			if _, hErr := hostlist.Parse(h); hErr != nil {
				return keyErr(index("hostlist", i), "%v", hErr)
			}
		}
		return keyErr("hostlist", "%v", err)
	}
	c.HostList = hosts
	return c.Transport.validate()
}

// UserHome is the home directory for the control config search, or ""
// when it cannot be found.
func UserHome() string {
	h, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return h
}
