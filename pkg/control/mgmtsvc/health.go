package mgmtsvc

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/control/system"
)

// Run does the leader's periodic work while this server leads, until ctx
// ends: probing members' servers.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.o.ProbeInterval)
	defer t.Stop()
	leading := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r := s.replica()
		if r == nil || !r.IsLeader() {
			if leading {
				s.lostLeadership()
				leading = false
			}
			continue
		}
		if !leading {
			// Every server gets a full grace period from the moment this
			// replica took over: it has no history of their answers.
			s.mu.Lock()
			now := time.Now()
			for _, m := range s.o.DB.Members() {
				s.lastSeen[m.Addr] = now
			}
			for _, a := range s.o.Replicas {
				s.lastSeen[a] = now
			}
			s.mu.Unlock()
			leading = true
		}
		s.probe(ctx, r)
	}
}

// watched are the states in which a member should have a live engine.
const watched = system.StateJoined | system.StateCheckerStarted

// unresponsiveFrom are the states a member leaves when its server stops
// answering.
const unresponsiveFrom = system.StateJoined | system.StateReady | system.StateStarting | system.StateStopping |
	system.StateCheckerStarted | system.StateErrored

// probe asks every member's server (and every replica) for its engines and
// records engines that are not running and servers that do not answer.
func (s *Service) probe(ctx context.Context, r Replica) {
	// Act only on a record that has everything earlier leaders committed.
	if _, err := s.leading(ctx); err != nil {
		return
	}
	members := s.o.DB.Members()
	byAddr := map[string][]*system.Member{}
	for _, m := range members {
		byAddr[m.Addr] = append(byAddr[m.Addr], m)
	}
	for _, a := range s.o.Replicas {
		if _, ok := byAddr[a]; !ok {
			byAddr[a] = nil
		}
	}
	type answer struct {
		addr string
		resp *ctlpb.HostSystemQueryResp
		err  error
	}
	answers := make(chan answer, len(byAddr))
	var wg sync.WaitGroup
	for addr := range byAddr {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, s.o.ProbeInterval)
			defer cancel()
			resp, err := s.o.Hosts.HostSystemQuery(pctx, addr)
			answers <- answer{addr, resp, err}
		}()
	}
	wg.Wait()
	close(answers)

	now := time.Now()
	// Each change is guarded by the incarnation and state the probe saw,
	// so a rank that rejoined while the probe waited is left alone.
	type change struct {
		to   system.MemberState
		from system.MemberState
		info string
	}
	changes := map[change]*system.StateChange{}
	add := func(to, from system.MemberState, info string, m *system.Member) {
		k := change{to, from, info}
		c := changes[k]
		if c == nil {
			c = &system.StateChange{State: to, From: from, Info: info}
			changes[k] = c
		}
		c.Ranks = append(c.Ranks, m.Rank)
		c.Incarnations = append(c.Incarnations, m.Incarnation)
	}
	s.mu.Lock()
	for a := range answers {
		if a.err == nil {
			s.lastSeen[a.addr] = now
			s.down[a.addr] = false
			for _, m := range byAddr[a.addr] {
				e := engineByUUID(a.resp, m.UUID)
				switch {
				case e != nil && e.State == "Stopped" && m.State&(watched|system.StateStopping) != 0:
					// Stopped on purpose (system stop whose record was
					// not written, or a stop on the host itself).
					add(system.StateStopped, m.State, "engine stopped", m)
				case m.State&watched != 0 && (e == nil || e.State != "Ready"):
					add(system.StateErrored, m.State, engineGone(a.addr, m, e), m)
				}
			}
			continue
		}
		s.down[a.addr] = true
		seen, ok := s.lastSeen[a.addr]
		if !ok {
			s.lastSeen[a.addr] = now
			continue
		}
		if now.Sub(seen) < s.o.UnresponsiveAfter {
			continue
		}
		for _, m := range byAddr[a.addr] {
			if m.State&unresponsiveFrom != 0 {
				add(system.StateUnresponsive, m.State, fmt.Sprintf("server %s has not answered for %v", a.addr, now.Sub(seen).Round(time.Second)), m)
			}
		}
	}
	s.mu.Unlock()
	for _, c := range changes {
		s.o.Logger.Warn("members changed state", "ranks", c.Ranks, "state", c.State, "why", c.Info)
		if _, err := r.Apply(ctx, &system.Command{Op: system.OpState, State: c}); err != nil {
			s.o.Logger.Warn("could not record member states", "ranks", c.Ranks, "state", c.State, "err", err)
		}
	}
}

func engineByUUID(resp *ctlpb.HostSystemQueryResp, uuid string) *ctlpb.EngineState {
	for _, e := range resp.GetEngines() {
		if e.Uuid == uuid {
			return e
		}
	}
	return nil
}

func engineGone(addr string, m *system.Member, e *ctlpb.EngineState) string {
	if e == nil {
		return fmt.Sprintf("server %s no longer runs engine %s", addr, m.UUID)
	}
	msg := fmt.Sprintf("engine %d on %s is %s", e.Index, addr, e.State)
	if e.LastExit != "" {
		msg += " (" + e.LastExit + ")"
	}
	return msg
}
