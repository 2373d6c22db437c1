package support

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/daos-go/daos/pkg/build"
	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/hardware"
	"github.com/daos-go/daos/pkg/pretty"
)

// LogTypes are the kinds of logs -e/--log-type chooses: admin (dmg's side
// and system information), control (control-plane logs) and server
// (engine logs).
type LogTypes struct {
	Admin, Control, Server bool
}

// AllLogTypes is the default.
var AllLogTypes = LogTypes{Admin: true, Control: true, Server: true}

// ParseLogTypes reads a comma-separated -e value; "" means all.
func ParseLogTypes(s string) (LogTypes, error) {
	if strings.TrimSpace(s) == "" {
		return AllLogTypes, nil
	}
	var t LogTypes
	for _, f := range strings.Split(s, ",") {
		switch strings.ToLower(strings.TrimSpace(f)) {
		case "admin":
			t.Admin = true
		case "control":
			t.Control = true
		case "server":
			t.Server = true
		default:
			return LogTypes{}, fmt.Errorf("-e/--log-type %q: unknown log type %q; use admin, control and/or server, comma-separated", s, f)
		}
	}
	return t, nil
}

// String is the -e form of t.
func (t LogTypes) String() string {
	var l []string
	for _, e := range []struct {
		on   bool
		name string
	}{{t.Admin, "admin"}, {t.Control, "control"}, {t.Server, "server"}} {
		if e.on {
			l = append(l, e.name)
		}
	}
	return strings.Join(l, ",")
}

// Host is what a daemon's information commands read on this host.
type Host struct {
	Name string
	// Scanners are nil when no hardware is to be scanned (tests).
	Scanners *hardware.HostScanners
	// Tool names the daemon whose version is reported.
	Tool string
}

// infoItems are the outputs of dump-topology, network scan, storage scan
// (storage only when set) and version.
func (h Host) infoItems(storage bool, netName string) []Item {
	items := []Item{{Name: "info/version.txt", Run: func(_ context.Context, w io.Writer) error {
		_, err := fmt.Fprintln(w, build.InfoFor(h.Tool))
		return err
	}}}
	if h.Scanners == nil {
		return items
	}
	items = append(items, Item{Name: "info/dump-topology.txt", Run: func(ctx context.Context, w io.Writer) error {
		topo, err := h.Scanners.ScanHost(ctx, h.Name)
		if err != nil {
			return err
		}
		return pretty.Topology(w, topo)
	}}, Item{Name: "info/" + netName + ".txt", Run: func(ctx context.Context, w io.Writer) error {
		scan, err := h.Scanners.Network.Scan(ctx, "all")
		if err != nil {
			return err
		}
		return pretty.NetworkScan(w, h.Name, scan)
	}})
	if storage {
		items = append(items, Item{Name: "info/storage-scan.txt", Run: func(ctx context.Context, w io.Writer) error {
			scm, err := h.Scanners.Storage.ScanSCM(ctx)
			if err != nil {
				return err
			}
			nvme, err := h.Scanners.Storage.ScanNVMe(ctx)
			if err != nil {
				return err
			}
			return pretty.StorageScan(w, &hardware.StorageScan{Host: h.Name, SCM: scm, NVMe: nvme})
		}})
	}
	return items
}

// ActiveConfigName is the copy of the config daos_server keeps in its
// socket_dir while it runs (server.ActiveConfigName).
const ActiveConfigName = ".daos_server.active.yml"

// ServerItems is what `daos_server support collect-log` collects: the
// config file and the active copy, the logs of the chosen types, this
// host's information and the extra logs directory.
func ServerItems(cfg *config.Server, cfgPath string, h Host, types LogTypes, extraDir string) []Item {
	var items []Item
	if cfgPath != "" {
		items = append(items, Item{Name: "config/" + filepath.Base(cfgPath), File: cfgPath})
	}
	if cfg != nil && cfg.SocketDir != "" {
		items = append(items, Item{Name: "config/" + ActiveConfigName, File: filepath.Join(cfg.SocketDir, ActiveConfigName), Optional: true})
	}
	if cfg != nil && types.Control {
		items = append(items, logItem("logs/control/", "control_log_file", cfg.ControlLogFile))
		if helper := cfg.HelperLogFile; helper != "" {
			items = append(items, logItem("logs/helper/", "helper_log_file", helper))
		}
	}
	if cfg != nil && types.Server {
		for i, e := range cfg.Engines {
			items = append(items, logItem(fmt.Sprintf("logs/engine%d/", i), fmt.Sprintf("engines[%d].log_file", i), e.LogFile))
		}
	}
	items = append(items, h.infoItems(true, "network-scan")...)
	return append(items, extraItems(extraDir)...)
}

// AgentItems is what `daos_agent support collect-log` collects.
func AgentItems(cfg *config.Agent, h Host, types LogTypes, extraDir string) []Item {
	var items []Item
	if cfg != nil && cfg.Path != "" {
		items = append(items, Item{Name: "config/" + filepath.Base(cfg.Path), File: cfg.Path})
	}
	if cfg != nil && types.Control {
		items = append(items, logItem("logs/agent/", "log_file", cfg.LogFile))
	}
	items = append(items, h.infoItems(false, "net-scan")...)
	return append(items, extraItems(extraDir)...)
}

// logItem copies a log file through the window, or notes that the
// setting is unset and the log went to stderr.
func logItem(dir, key, path string) Item {
	if path == "" {
		return Item{Name: strings.TrimSuffix(dir, "/"), Note: key + " is not set: this log went to stderr and is not collected"}
	}
	return Item{Name: dir + filepath.Base(path), File: path, Log: true}
}

func extraItems(dir string) []Item {
	if dir == "" {
		return nil
	}
	return []Item{{Name: "extra/" + sanitize(filepath.Base(filepath.Clean(dir))), Dir: dir}}
}
