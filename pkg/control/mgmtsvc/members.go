package mgmtsvc

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/control/grpcerr"
	"github.com/daos-go/daos/pkg/control/hostlist"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/ranklist"
	"github.com/daos-go/daos/pkg/control/sharedpb"
	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
)

// selection is the members a request names, with what it named that is
// not there.
type selection struct {
	members     []*system.Member
	absentRanks string
	absentHosts string
}

// selectMembers resolves a rank set and a host set (either may be empty:
// both empty means every member).
func (s *Service) selectMembers(ranks, hosts string) (*selection, error) {
	rs, err := ranklist.Parse(ranks)
	if err != nil {
		return nil, grpcerr.Errorf(daos.ErrInval, "%v", err)
	}
	var hs []string
	if strings.TrimSpace(hosts) != "" {
		set, err := hostlist.Parse(hosts)
		if err != nil {
			return nil, grpcerr.Errorf(daos.ErrInval, "host list %q: %v", hosts, err)
		}
		hs = set.Slice()
	}
	all := s.o.DB.Members()
	sel := &selection{}
	if rs.Len() == 0 && len(hs) == 0 {
		sel.members = all
		return sel, nil
	}
	byRank := map[uint32]*system.Member{}
	for _, m := range all {
		byRank[m.Rank] = m
	}
	picked := map[uint32]bool{}
	absent := ranklist.Of()
	for _, r := range rs.Ranks() {
		if byRank[r] == nil {
			absent.Add(r)
			continue
		}
		picked[r] = true
	}
	var absentHosts []string
	for _, h := range hs {
		found := false
		for _, m := range all {
			if hostMatches(m, h) {
				picked[m.Rank], found = true, true
			}
		}
		if !found {
			absentHosts = append(absentHosts, h)
		}
	}
	for _, m := range all {
		if picked[m.Rank] {
			sel.members = append(sel.members, m)
		}
	}
	sel.absentRanks = absent.String()
	sel.absentHosts = strings.Join(absentHosts, ",")
	return sel, nil
}

// SystemQuery lists members, filtered by ranks, hosts and a state mask.
func (s *Service) SystemQuery(ctx context.Context, req *mgmtpb.SystemQueryReq) (*mgmtpb.SystemQueryResp, error) {
	if _, err := s.leading(ctx); err != nil {
		return nil, err
	}
	if err := s.checkSys(req.Sys); err != nil {
		return nil, err
	}
	sel, err := s.selectMembers(req.Ranks, req.Hosts)
	if err != nil {
		return nil, err
	}
	resp := &mgmtpb.SystemQueryResp{Absentranks: sel.absentRanks, Absenthosts: sel.absentHosts,
		DataVersion: s.o.DB.DataVersion()}
	if s.o.Provider != "" {
		resp.Providers = []string{s.o.Provider}
	}
	for _, m := range sel.members {
		if req.StateMask != 0 && uint32(m.State)&req.StateMask == 0 {
			continue
		}
		resp.Members = append(resp.Members, memberToPB(m))
	}
	return resp, nil
}

// SystemExclude sets or clears the administrative exclusion.
func (s *Service) SystemExclude(ctx context.Context, req *mgmtpb.SystemExcludeReq) (*mgmtpb.SystemExcludeResp, error) {
	r, err := s.leading(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.checkSys(req.Sys); err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.Ranks) == "" && strings.TrimSpace(req.Hosts) == "" {
		return nil, grpcerr.Errorf(daos.ErrInval, "system exclude: name ranks or hosts")
	}
	sel, err := s.selectMembers(req.Ranks, req.Hosts)
	if err != nil {
		return nil, err
	}
	if sel.absentRanks != "" || sel.absentHosts != "" {
		return nil, grpcerr.Errorf(daos.ErrNonexist, "system exclude: not members: ranks [%s] hosts [%s]", sel.absentRanks, sel.absentHosts)
	}
	target, action := system.StateAdminExcluded, "exclude"
	if req.Clear {
		target, action = system.StateExcluded, "clear-exclude"
	}
	var ranks []uint32
	addr := map[uint32]string{}
	for _, m := range sel.members {
		ranks = append(ranks, m.Rank)
		addr[m.Rank] = m.Addr
	}
	res, err := s.apply(ctx, r, &system.Command{Op: system.OpState, State: &system.StateChange{
		Ranks: ranks, State: target, Admin: true, Info: "set by " + action,
	}})
	if err != nil {
		return nil, err
	}
	out := &mgmtpb.SystemExcludeResp{}
	for _, sr := range res.([]system.StateResult) {
		rr := &sharedpb.RankResult{Rank: sr.Rank, Action: action, State: sr.State.JSONName(), Addr: addr[sr.Rank]}
		// Clearing a rank that was not excluded is not an error, nor is
		// excluding one twice.
		if !sr.Changed && !(req.Clear && sr.State != system.StateAdminExcluded) && sr.State != target {
			rr.Errored, rr.Msg = true, sr.Reason
		}
		out.Results = append(out.Results, rr)
	}
	return out, nil
}

// setStates records state changes (best effort: the caller has already
// acted; a failure is logged). It does not use the caller's context: the
// engines have been acted on, so the record should follow even if the
// caller gave up; the probe repairs what still fails.
func (s *Service) setStates(_ context.Context, r Replica, ranks []uint32, st system.MemberState, info string) {
	if len(ranks) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := r.Apply(ctx, &system.Command{Op: system.OpState, State: &system.StateChange{Ranks: ranks, State: st, Info: info}}); err != nil {
		s.o.Logger.Warn("could not record member states", "ranks", ranks, "state", st, "err", err)
	}
}

// SystemStop stops ranks: every host prepares its engines, then stops
// them. A rank whose preparation failed is not stopped unless forced.
func (s *Service) SystemStop(ctx context.Context, req *mgmtpb.SystemStopReq) (*mgmtpb.SystemStopResp, error) {
	r, err := s.leading(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.checkSys(req.Sys); err != nil {
		return nil, err
	}
	sel, err := s.selectMembers(req.Ranks, req.Hosts)
	if err != nil {
		return nil, err
	}
	resp := &mgmtpb.SystemStopResp{Absentranks: sel.absentRanks, Absenthosts: sel.absentHosts}
	members := s.actionable(sel.members, req.IgnoreAdminExcluded)
	if !req.Prep && !req.Kill {
		req.Prep, req.Kill = true, true
	}
	failed := map[uint32]*sharedpb.RankResult{}
	if req.Prep {
		var prepared []uint32
		for _, rr := range s.fanOut(ctx, members, RankPrep, req.Force) {
			if rr.Errored {
				failed[rr.Rank] = rr
			} else {
				prepared = append(prepared, rr.Rank)
			}
		}
		s.setStates(ctx, r, prepared, system.StateStopping, "system stop")
	}
	if req.Kill {
		var stop []*system.Member
		for _, m := range members {
			if failed[m.Rank] == nil || req.Force {
				stop = append(stop, m)
			}
		}
		results := s.fanOut(ctx, stop, RankStop, req.Force)
		var stopped, errored []uint32
		for _, rr := range results {
			if rr.Errored {
				errored = append(errored, rr.Rank)
			} else {
				stopped = append(stopped, rr.Rank)
				rr.State = system.StateStopped.JSONName()
			}
			resp.Results = append(resp.Results, rr)
		}
		s.setStates(ctx, r, stopped, system.StateStopped, "system stop")
		s.setStates(ctx, r, errored, system.StateErrored, "system stop failed")
	}
	for _, m := range members {
		if rr := failed[m.Rank]; rr != nil && !req.Force {
			resp.Results = append(resp.Results, rr)
		}
	}
	sortResults(resp.Results)
	return resp, nil
}

// SystemStart starts ranks; they rejoin by themselves, and each host
// answers once its engines have.
func (s *Service) SystemStart(ctx context.Context, req *mgmtpb.SystemStartReq) (*mgmtpb.SystemStartResp, error) {
	if _, err := s.leading(ctx); err != nil {
		return nil, err
	}
	if err := s.checkSys(req.Sys); err != nil {
		return nil, err
	}
	sel, err := s.selectMembers(req.Ranks, req.Hosts)
	if err != nil {
		return nil, err
	}
	resp := &mgmtpb.SystemStartResp{Absentranks: sel.absentRanks, Absenthosts: sel.absentHosts}
	resp.Results = s.fanOut(ctx, s.actionable(sel.members, req.IgnoreAdminExcluded), RankStart, false)
	for _, rr := range resp.Results {
		if !rr.Errored {
			if m, err := s.o.DB.Member(rr.Rank); err == nil {
				rr.State = m.State.JSONName()
			}
		}
	}
	sortResults(resp.Results)
	return resp, nil
}

// actionable leaves out administratively excluded members unless asked.
func (s *Service) actionable(ms []*system.Member, withAdminExcluded bool) []*system.Member {
	var out []*system.Member
	for _, m := range ms {
		if m.State == system.StateAdminExcluded && !withAdminExcluded {
			continue
		}
		out = append(out, m)
	}
	return out
}

// fanOut runs op on each member's server, one call per server with all
// of its ranks, concurrently; a server that cannot be reached fails each
// of its ranks.
func (s *Service) fanOut(ctx context.Context, members []*system.Member, op RankOp, force bool) []*sharedpb.RankResult {
	byHost := map[string][]*system.Member{}
	for _, m := range members {
		byHost[m.Addr] = append(byHost[m.Addr], m)
	}
	var (
		mu  sync.Mutex
		out []*sharedpb.RankResult
		wg  sync.WaitGroup
	)
	for addr, ms := range byHost {
		wg.Add(1)
		go func() {
			defer wg.Done()
			set := ranklist.Of()
			for _, m := range ms {
				set.Add(m.Rank)
			}
			cctx, cancel := context.WithTimeout(ctx, s.o.RankOpTimeout)
			defer cancel()
			resp, err := s.o.Hosts.Ranks(cctx, addr, op, &ctlpb.RanksReq{Ranks: set.String(), Force: force})
			mu.Lock()
			defer mu.Unlock()
			got := map[uint32]bool{}
			if err == nil {
				for _, rr := range resp.Results {
					if set.Contains(rr.Rank) && !got[rr.Rank] {
						got[rr.Rank] = true
						rr.Addr, rr.Action = addr, string(op)
						out = append(out, rr)
					}
				}
			}
			for _, m := range ms {
				if got[m.Rank] {
					continue
				}
				msg := "the server did not report this rank"
				if err != nil {
					msg = fmt.Sprintf("server %s: %v", addr, grpcerr.FromStatus(err))
				}
				out = append(out, &sharedpb.RankResult{Rank: m.Rank, Action: string(op), Errored: true, Msg: msg,
					Addr: addr, State: m.State.JSONName()})
			}
		}()
	}
	wg.Wait()
	return out
}

func sortResults(rs []*sharedpb.RankResult) {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Rank < rs[j].Rank })
}
