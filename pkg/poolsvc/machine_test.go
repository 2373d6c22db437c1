package poolsvc

import "github.com/daos-go/daos/pkg/rsvc"

var _ rsvc.StateMachine = (*Machine)(nil)
