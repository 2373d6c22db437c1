package confgen

import (
	"fmt"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/hostlist"
)

// Flags are the flags `dmg config generate` and `daos_server config
// generate` share. Both commands register and check them here, so they
// accept and refuse the same values with the same words.
type Flags struct {
	// Options receives the flag values; a command binds its own extra
	// flags (daos_server's --helper-log-file) to its fields too.
	Options
	replicas     string
	accessPoints string
	fs           *pflag.FlagSet
}

// Register adds the shared flags to fs.
func (f *Flags) Register(fs *pflag.FlagSet) {
	f.fs = fs
	fs.StringVarP(&f.replicas, "ms-replicas", "r", "localhost", "management service replica hosts, e.g. node[1-3] (odd count)")
	fs.StringVarP(&f.accessPoints, "access-points", "a", "", "deprecated name of --ms-replicas")
	_ = fs.MarkHidden("access-points")
	fs.IntVarP(&f.NumEngines, "num-engines", "e", 0, "number of engines (default: one per NUMA node that can host one)")
	fs.BoolVarP(&f.SCMOnly, "scm-only", "s", false, "no NVMe or file bdev tier")
	fs.StringVarP(&f.NetClass, "net-class", "c", NetClassInfiniband, "interface class: ethernet or infiniband")
	fs.StringVarP(&f.Provider, "net-provider", "p", "", "fabric provider (default: the best one serving the interfaces)")
	fs.BoolVarP(&f.UseTmpfsSCM, "use-tmpfs-scm", "t", false, "RAM-disk SCM even where PMem exists")
	fs.StringVarP(&f.ControlMetadataPath, "control-metadata-path", "m", "", "enable MD-on-SSD with control metadata here")
	fs.IntSliceVarP(&f.FabricPorts, "fabric-ports", "f", nil, "fabric_iface_port per engine, comma-separated (default 31416, 32416, ...)")
}

// Parse checks the flag values and returns the options, with notes for
// the admin (a deprecated flag used). It refuses, before any hardware is
// scanned, values that no hardware could make valid.
func (f *Flags) Parse() (Options, []string, error) {
	opts := f.Options
	var notes []string
	replicas, flag := f.replicas, "--ms-replicas"
	if f.accessPoints != "" {
		if f.fs != nil && f.fs.Changed("ms-replicas") {
			return opts, nil, fmt.Errorf("--access-points and --ms-replicas cannot both be given (--access-points is the deprecated name)")
		}
		notes = append(notes, "--access-points is deprecated: use --ms-replicas")
		replicas, flag = f.accessPoints, "--access-points"
	}
	set, err := hostlist.Parse(replicas)
	if err != nil {
		return opts, nil, fmt.Errorf("%s: %w", flag, err)
	}
	if set.Len()%2 == 0 {
		return opts, nil, fmt.Errorf("%s %s: %d hosts given, the count must be odd (1, 3, 5, ...) for the replicas to elect a leader", flag, set, set.Len())
	}
	opts.MSReplicas = set.Slice()
	if _, ok := classOf[opts.NetClass]; !ok {
		return opts, nil, fmt.Errorf("--net-class %q: want %s or %s", opts.NetClass, NetClassEthernet, NetClassInfiniband)
	}
	if opts.NumEngines < 0 {
		return opts, nil, fmt.Errorf("--num-engines %d: want 0 (one engine per NUMA node that can host one) or more", opts.NumEngines)
	}
	for _, p := range opts.FabricPorts {
		if p <= 0 || p > 65535 {
			return opts, nil, fmt.Errorf("--fabric-ports: port %d is not in 1-65535", p)
		}
	}
	if n := len(opts.FabricPorts); n > 0 && opts.NumEngines > 0 && n != opts.NumEngines {
		return opts, nil, fmt.Errorf("--fabric-ports: %d port(s) given for --num-engines %d: give one port per engine", n, opts.NumEngines)
	}
	return opts, notes, nil
}

// Marshal renders a generated config as daos_server.yml text, and as the
// same document decoded into a map, which --json prints so that the JSON
// keys are the YAML keys.
func Marshal(cfg *config.Server) (text []byte, asMap map[string]any, err error) {
	text, err = cfg.Marshal()
	if err != nil {
		return nil, nil, err
	}
	if err := yaml.Unmarshal(text, &asMap); err != nil {
		return nil, nil, fmt.Errorf("re-read generated config: %w", err)
	}
	return text, asMap, nil
}
