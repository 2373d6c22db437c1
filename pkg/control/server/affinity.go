package server

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/ranklist"
)

// sysfs is the sysfs root the server reads.
func (s *Server) sysfs() string {
	if s.opts.SysfsRoot != "" {
		return s.opts.SysfsRoot
	}
	return "/sys"
}

// nodeCPUs lists the CPUs of NUMA node under sysfs root (its
// devices/system/node/node<N>/cpulist).
func nodeCPUs(root string, node int) ([]int, error) {
	path := filepath.Join(root, "devices", "system", "node", fmt.Sprintf("node%d", node), "cpulist")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pinned_numa_node %d: no such NUMA node here: %w", node, err)
	}
	set, err := ranklist.Parse(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("pinned_numa_node %d: cpulist %s: %w", node, path, err)
	}
	var cpus []int
	for _, c := range set.Ranks() {
		cpus = append(cpus, int(c))
	}
	if len(cpus) == 0 {
		return nil, fmt.Errorf("pinned_numa_node %d: the node has no CPUs", node)
	}
	return cpus, nil
}

// startOn starts cmd with its CPU affinity set to cpus (all CPUs when
// empty). The child inherits the mask of the thread that forks it, so
// the calling goroutine's thread takes the mask for the start only: the
// engine's every thread is then bound from its first instruction, where
// setting the mask after the start would miss threads already running.
func startOn(cmd *exec.Cmd, cpus []int) error {
	if len(cpus) == 0 {
		return cmd.Start()
	}
	runtime.LockOSThread()
	var old, set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("read this thread's CPU affinity: %w", err)
	}
	for _, c := range cpus {
		set.Set(c)
	}
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("set CPU affinity %v: %w", cpus, err)
	}
	err := cmd.Start()
	if unix.SchedSetaffinity(0, &old) == nil {
		runtime.UnlockOSThread()
	}
	// Else the thread stays locked to this goroutine, and ends with it,
	// rather than run others on the narrowed mask.
	return err
}

// anyFirstCore tells whether an engine sets first_core, which makes every
// pinned_numa_node ignored (the config check says so).
func anyFirstCore(cfg *config.Server) bool {
	for _, e := range cfg.Engines {
		if e.FirstCore != nil {
			return true
		}
	}
	return false
}
