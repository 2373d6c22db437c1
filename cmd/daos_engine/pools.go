package main

import (
	"time"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/poolhost"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// poolService is the state machine of a pool's service.
func poolService(poolhost.UUID) poolhost.Service { return poolsvc.NewMachine() }

// poolInit makes a new pool service's first command from the management
// service's request.
func poolInit(req *mgmtpb.PoolCreateReq, ranks []placement.RankSpec, svc []uint32) ([]byte, error) {
	args := &poolsvc.CreateArgs{UUID: req.Uuid, Owner: req.User, Group: req.UserGroup, ACL: req.Acl,
		Ranks: ranks, SvcRanks: svc, Props: map[string]string{}}
	for _, p := range req.Properties {
		d, ok := system.PoolPropByNumber(p.Number)
		if !ok {
			return nil, daos.Errorf(daos.ErrInval, "pool property number %d is unknown", p.Number)
		}
		v := d.Format(p)
		if d.Name == "label" {
			args.Label = v
			continue
		}
		args.Props[d.Name] = v
	}
	return (&poolsvc.Command{Op: poolsvc.OpCreate, Time: time.Now().UTC(), Create: args}).Encode()
}
