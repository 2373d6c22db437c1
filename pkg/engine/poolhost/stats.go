package poolhost

import (
	"encoding/json"
	"sort"
)

// ServiceStat is what a leading pool service replica reports to telemetry.
type ServiceStat struct {
	Pool       UUID
	Handles    int
	Containers int
	MapVersion uint32
	// Open is each container's open handles.
	Open []ContainerStat
}

// ContainerStat is one container's open handles.
type ContainerStat struct {
	UUID, Label string
	Handles     int
}

// The pool service reads the statistics come from.
var (
	infoQuery       = []byte(`{"what":"info"}`)
	containersQuery = []byte(`{"what":"containers"}`)
)

// Stats reports the pools whose service this engine leads, in pool order;
// followers report nothing, so each pool is counted once in a system.
// A replica that cannot answer (stopping, not created yet) is left out.
func (h *Host) Stats() []ServiceStat {
	h.mu.Lock()
	svcs := make(map[UUID]*hosted, len(h.svcs))
	for p, s := range h.svcs {
		svcs[p] = s
	}
	h.mu.Unlock()
	var out []ServiceStat
	for p, s := range svcs {
		if !s.rep.IsLeader() {
			continue
		}
		b, err := s.svc.Query(infoQuery)
		if err != nil {
			continue
		}
		var info struct {
			Handles    int    `json:"active_handles"`
			Containers int    `json:"containers"`
			MapVersion uint32 `json:"version"`
		}
		if json.Unmarshal(b, &info) != nil {
			continue
		}
		st := ServiceStat{Pool: p, Handles: info.Handles, Containers: info.Containers, MapVersion: info.MapVersion}
		if b, err := s.svc.Query(containersQuery); err == nil {
			var conts []struct {
				UUID       string `json:"uuid"`
				Label      string `json:"label"`
				NumHandles int    `json:"num_handles"`
			}
			if json.Unmarshal(b, &conts) == nil {
				for _, c := range conts {
					st.Open = append(st.Open, ContainerStat{UUID: c.UUID, Label: c.Label, Handles: c.NumHandles})
				}
			}
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return string(out[i].Pool[:]) < string(out[j].Pool[:]) })
	return out
}
