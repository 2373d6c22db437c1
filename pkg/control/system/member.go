package system

import (
	"fmt"
	"strings"
	"time"

	"github.com/daos-go/daos/pkg/control/ranklist"
)

// NilRank means "no rank assigned yet".
const NilRank = ranklist.NilRank

// Member is one engine known to the system.
type Member struct {
	Rank        uint32      `json:"rank"`
	UUID        string      `json:"uuid"`
	Addr        string      `json:"addr"` // control address of its server, host:port
	Index       uint32      `json:"index"`
	URI         string      `json:"fabric_uri"`
	Contexts    uint32      `json:"fabric_contexts"`
	Secondary   []string    `json:"secondary_fabric_uris,omitempty"`
	SecondaryN  []uint32    `json:"secondary_fabric_contexts,omitempty"`
	FaultDomain string      `json:"fault_domain"`
	State       MemberState `json:"state"`
	Info        string      `json:"info,omitempty"`
	Incarnation uint64      `json:"incarnation"`
	LastUpdate  time.Time   `json:"last_update"`
}

// Host is the host part of Addr.
func (m *Member) Host() string {
	if i := strings.LastIndexByte(m.Addr, ':'); i >= 0 {
		return m.Addr[:i]
	}
	return m.Addr
}

func (m *Member) String() string {
	return fmt.Sprintf("rank %d (%s, engine %d at %s, %s)", m.Rank, m.UUID, m.Index, m.Addr, m.State)
}

// clone copies m so callers cannot change the database through it.
func (m *Member) clone() *Member {
	c := *m
	c.Secondary = append([]string(nil), m.Secondary...)
	c.SecondaryN = append([]uint32(nil), m.SecondaryN...)
	return &c
}

// faultDomainDepth counts the levels of a fault path ("/rack1/node2" is
// 2; "/" is 0).
func faultDomainDepth(fd string) int {
	n := 0
	for _, p := range strings.Split(fd, "/") {
		if p != "" {
			n++
		}
	}
	return n
}

// checkFaultDomain validates a fault path: absolute, no empty levels.
func checkFaultDomain(fd string) error {
	if fd == "" {
		return nil
	}
	if !strings.HasPrefix(fd, "/") {
		return fmt.Errorf("fault domain %q must start with /", fd)
	}
	if fd != "/" && (strings.HasSuffix(fd, "/") || strings.Contains(fd, "//")) {
		return fmt.Errorf("fault domain %q has an empty level", fd)
	}
	return nil
}
