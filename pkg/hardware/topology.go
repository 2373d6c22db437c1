package hardware

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// NUMANode is one NUMA node and what it holds.
type NUMANode struct {
	ID       int    `json:"id"`
	Cores    int    `json:"cores"`
	Threads  int    `json:"threads"`
	MemBytes uint64 `json:"mem_bytes"`
	// CPUs are the node's logical processor IDs, ascending (what
	// first_core and taskset count in).
	CPUs []int `json:"cpus"`
}

// Topology is the CPU and memory layout of a host.
type Topology struct {
	NUMANodes      []NUMANode `json:"numa_nodes"`
	MemTotalBytes  uint64     `json:"mem_total"`
	HugepagesBytes uint64     `json:"hugepages_total"`
}

// TopologyScanner reads CPU and memory layout; its sources are fields so
// tests can substitute them.
type TopologyScanner struct {
	Nodes       func() ([]NUMANode, error)
	MeminfoPath string
}

// DefaultTopologyScanner reads the running system (ghw and
// /proc/meminfo).
func DefaultTopologyScanner() TopologyScanner {
	return TopologyScanner{Nodes: ghwTopology, MeminfoPath: "/proc/meminfo"}
}

// Scan reads the topology.
func (s TopologyScanner) Scan(ctx context.Context) (*Topology, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	nodes, err := s.Nodes()
	if err != nil {
		return nil, fmt.Errorf("scan topology: %w", err)
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].ID < nodes[j].ID })
	f, err := os.Open(s.MeminfoPath)
	if err != nil {
		return nil, fmt.Errorf("scan topology: %w", err)
	}
	defer f.Close()
	total, huge, err := parseMeminfo(f)
	if err != nil {
		return nil, fmt.Errorf("scan topology: %s: %w", s.MeminfoPath, err)
	}
	return &Topology{NUMANodes: nodes, MemTotalBytes: total, HugepagesBytes: huge}, nil
}

// parseMeminfo reads MemTotal and the memory held by hugepages
// (HugePages_Total x Hugepagesize) from /proc/meminfo.
func parseMeminfo(r io.Reader) (total, huge uint64, err error) {
	var pages, pageKiB uint64
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(val)
		if len(fields) == 0 {
			continue
		}
		n, pErr := strconv.ParseUint(fields[0], 10, 64)
		if pErr != nil {
			continue
		}
		switch key {
		case "MemTotal":
			total = n << 10
		case "HugePages_Total":
			pages = n
		case "Hugepagesize":
			pageKiB = n
		}
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	if total == 0 {
		return 0, 0, fmt.Errorf("no MemTotal line")
	}
	return total, pages * pageKiB << 10, nil
}
