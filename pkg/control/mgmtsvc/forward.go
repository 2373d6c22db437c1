package mgmtsvc

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/daos-go/daos/pkg/control/grpcerr"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/security"
	"github.com/daos-go/daos/pkg/daos"
)

const (
	methodPrefix = "/" + "mgmt.MgmtSvc" + "/"
	hopsKey      = "daos-mgmt-hops"
	// maxHops stops a call bouncing between servers that disagree about
	// the leader: one hop to a replica, one more to its leader.
	maxHops = 2
)

// Forwarder is a unary interceptor that sends management calls this
// server cannot answer (it does not lead) to the leader, or, when the
// leader is unknown here, to the replicas in turn.
func (s *Service) Forwarder(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if !strings.HasPrefix(info.FullMethod, methodPrefix) {
		return h(ctx, req)
	}
	if r := s.replica(); r != nil && r.IsLeader() {
		return h(ctx, req)
	}
	return s.forward(ctx, info.FullMethod, req, h)
}

// forward sends the call on, waiting up to LeaderWait for an election;
// if this replica wins it while the call waits, it answers itself.
func (s *Service) forward(ctx context.Context, method string, req any, h grpc.UnaryHandler) (any, error) {
	hops := 0
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get(hopsKey); len(v) == 1 {
		hops, _ = strconv.Atoi(v[0])
	}
	if hops >= maxHops {
		return nil, grpcerr.Errorf(daos.ErrNotleader, "management call %s went through %d servers without reaching the leader", method, hops)
	}
	reply, err := newReply(method)
	if err != nil {
		return nil, err
	}
	out := metadata.Pairs(hopsKey, strconv.Itoa(hops+1))
	if c, secure, err := security.Caller(ctx, method); err != nil {
		return nil, err
	} else if secure {
		out.Set(security.ForwardedForKey, string(c))
	}
	fctx := metadata.NewOutgoingContext(ctx, out)

	deadline := time.Now().Add(s.o.LeaderWait)
	var lastErr error
	for {
		if r := s.replica(); r != nil && r.IsLeader() {
			return h(ctx, req)
		}
		for _, target := range s.targets() {
			cc, err := s.o.Conns.Get(target)
			if err != nil {
				lastErr = err
				continue
			}
			err = cc.Invoke(fctx, method, req, reply)
			if status.Code(err) == codes.Unavailable || errors.Is(grpcerr.FromStatus(err), daos.ErrNotleader) {
				lastErr = err
				continue
			}
			return reply, err
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	msg := "no management service leader answered (is a majority of " + strings.Join(s.o.Replicas, ", ") + " up?)"
	if lastErr != nil {
		msg += ": " + status.Convert(lastErr).Message()
	}
	// DER_NOTLEADER travels as codes.Unavailable (callers try the next
	// server), and tells them a server answered, with no leader to send
	// the call to: an election may end it.
	return nil, grpcerr.Errorf(daos.ErrNotleader, "%s", msg)
}

// targets is where to send a call: the known leader, or else every other
// replica.
func (s *Service) targets() []string {
	if r := s.replica(); r != nil {
		if l := r.Leader(); l != "" && l != s.o.Local {
			return []string{l}
		}
		if r.Leader() == "" {
			return nil // an election is on: wait for it
		}
	}
	var out []string
	for _, a := range s.o.Replicas {
		if a != s.o.Local {
			out = append(out, a)
		}
	}
	return out
}

// newReply makes an empty reply message of a MgmtSvc method.
func newReply(method string) (proto.Message, error) {
	name := strings.TrimPrefix(method, methodPrefix)
	sd := mgmtpb.File_mgmt_proto.Services().ByName("MgmtSvc")
	md := sd.Methods().ByName(protoreflect.Name(name))
	if md == nil {
		return nil, status.Errorf(codes.Unimplemented, "unknown management method %s", method)
	}
	mt, err := protoregistry.GlobalTypes.FindMessageByName(md.Output().FullName())
	if err != nil {
		return nil, status.Errorf(codes.Internal, "reply type of %s: %v", method, err)
	}
	return mt.New().Interface(), nil
}
