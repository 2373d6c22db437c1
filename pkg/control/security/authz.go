package security

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/daos-go/daos/pkg/control/config"
)

// methodComponents lists who may call each control method (DAOS's
// authorisation table, for the methods served so far). A method missing
// here is refused under TLS.
var methodComponents = map[string][]config.Component{
	"/ctl.CtlSvc/StorageScan":       {config.ComponentAdmin},
	"/ctl.CtlSvc/StorageFormat":     {config.ComponentAdmin},
	"/ctl.CtlSvc/NetworkScan":       {config.ComponentAdmin},
	"/ctl.CtlSvc/StorageUsage":      {config.ComponentAdmin},
	"/ctl.CtlSvc/TopologyScan":      {config.ComponentAdmin},
	"/ctl.CtlSvc/SetEngineLogMasks": {config.ComponentAdmin},
	"/ctl.CtlSvc/SmdQuery":          {config.ComponentAdmin},
	"/ctl.CtlSvc/CollectLog":        {config.ComponentAdmin},
	// The management service leader polls hosts with it to notice dead
	// servers and engines.
	"/ctl.CtlSvc/HostSystemQuery":   {config.ComponentAdmin, config.ComponentServer},
	"/ctl.CtlSvc/PrepShutdownRanks": {config.ComponentServer},
	"/ctl.CtlSvc/StopRanks":         {config.ComponentServer},
	"/ctl.CtlSvc/StartRanks":        {config.ComponentServer},

	"/mgmt.MgmtSvc/Join":         {config.ComponentServer},
	"/mgmt.MgmtSvc/ClusterEvent": {config.ComponentServer},
	"/mgmt.MgmtSvc/LeaderQuery":  {config.ComponentAdmin},
	// Servers also read the membership and the group map (daos-go's
	// servers poll them to rejoin and to update their engines).
	"/mgmt.MgmtSvc/SystemQuery":   {config.ComponentAdmin, config.ComponentServer},
	"/mgmt.MgmtSvc/SystemStop":    {config.ComponentAdmin},
	"/mgmt.MgmtSvc/SystemStart":   {config.ComponentAdmin},
	"/mgmt.MgmtSvc/SystemExclude": {config.ComponentAdmin},
	"/mgmt.MgmtSvc/SystemCleanup": {config.ComponentAdmin, config.ComponentAgent},
	"/mgmt.MgmtSvc/SystemSetAttr": {config.ComponentAdmin},
	"/mgmt.MgmtSvc/SystemGetAttr": {config.ComponentAdmin},
	"/mgmt.MgmtSvc/SystemSetProp": {config.ComponentAdmin},
	"/mgmt.MgmtSvc/SystemGetProp": {config.ComponentAdmin, config.ComponentServer},
	"/mgmt.MgmtSvc/GetAttachInfo": {config.ComponentAdmin, config.ComponentAgent, config.ComponentServer},
	// Servers look pools up for engines (clients connecting by label).
	"/mgmt.MgmtSvc/ListPools": {config.ComponentAdmin, config.ComponentServer},

	"/mgmt.MgmtSvc/PoolCreate":       {config.ComponentAdmin},
	"/mgmt.MgmtSvc/PoolDestroy":      {config.ComponentAdmin},
	"/mgmt.MgmtSvc/PoolEvict":        {config.ComponentAdmin, config.ComponentAgent},
	"/mgmt.MgmtSvc/PoolExclude":      {config.ComponentAdmin},
	"/mgmt.MgmtSvc/PoolDrain":        {config.ComponentAdmin, config.ComponentServer},
	"/mgmt.MgmtSvc/PoolReintegrate":  {config.ComponentAdmin, config.ComponentServer},
	"/mgmt.MgmtSvc/PoolExtend":       {config.ComponentAdmin},
	"/mgmt.MgmtSvc/PoolQuery":        {config.ComponentAdmin},
	"/mgmt.MgmtSvc/PoolQueryTarget":  {config.ComponentAdmin},
	"/mgmt.MgmtSvc/PoolSetProp":      {config.ComponentAdmin},
	"/mgmt.MgmtSvc/PoolGetProp":      {config.ComponentAdmin},
	"/mgmt.MgmtSvc/PoolGetACL":       {config.ComponentAdmin},
	"/mgmt.MgmtSvc/PoolOverwriteACL": {config.ComponentAdmin},
	"/mgmt.MgmtSvc/PoolUpdateACL":    {config.ComponentAdmin},
	"/mgmt.MgmtSvc/PoolDeleteACL":    {config.ComponentAdmin},
	"/mgmt.MgmtSvc/PoolUpgrade":      {config.ComponentAdmin},
	"/mgmt.MgmtSvc/ContSetOwner":     {config.ComponentAdmin},
}

// raftPrefix is raft's message service between replicas: servers only,
// whatever the method (the transport adds methods as raft grows them,
// e.g. RequestPreVote).
const raftPrefix = "/RaftTransport/"

// ForwardedForKey is the gRPC metadata key a server sets when it forwards
// a management call to the leader: the component of the original caller,
// which the forwarding server has already authenticated. The leader
// honours it only from a server certificate.
const ForwardedForKey = "daos-forwarded-for"

// Caller names the component that made a call of method: the
// certificate's common name, or, for a management call a server
// forwarded, the component it was forwarded for. Only management calls
// are forwarded, so the claim is honoured on those alone, and only when
// it names a known component. ok is false without TLS (insecure mode:
// anyone is anything).
func Caller(ctx context.Context, method string) (c config.Component, ok bool, err error) {
	p, found := peer.FromContext(ctx)
	if !found {
		return "", false, status.Error(codes.Unauthenticated, "no peer information")
	}
	ti, isTLS := p.AuthInfo.(credentials.TLSInfo)
	if !isTLS {
		return "", false, nil
	}
	if len(ti.State.VerifiedChains) == 0 || len(ti.State.VerifiedChains[0]) == 0 {
		return "", true, status.Error(codes.Unauthenticated, "no verified client certificate")
	}
	c = config.Component(ti.State.VerifiedChains[0][0].Subject.CommonName)
	if c != config.ComponentServer || !strings.HasPrefix(method, "/mgmt.MgmtSvc/") {
		return c, true, nil
	}
	md, found := metadata.FromIncomingContext(ctx)
	if !found {
		return c, true, nil
	}
	switch v := md.Get(ForwardedForKey); {
	case len(v) == 0:
		return c, true, nil
	case len(v) == 1 && (v[0] == string(config.ComponentAdmin) || v[0] == string(config.ComponentAgent) ||
		v[0] == string(config.ComponentServer)):
		return config.Component(v[0]), true, nil
	default:
		return "", true, status.Errorf(codes.PermissionDenied, "forwarded call names an unknown component %q", v)
	}
}

// Allowed reports whether component c may call method.
func Allowed(method string, c config.Component) bool {
	if strings.HasPrefix(method, raftPrefix) {
		return c == config.ComponentServer
	}
	for _, ok := range methodComponents[method] {
		if ok == c {
			return true
		}
	}
	return false
}

// UnaryAuthorizer refuses calls whose client certificate names a
// component not allowed to make them. Calls without TLS (insecure mode)
// pass.
func UnaryAuthorizer(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if err := authorize(ctx, info.FullMethod); err != nil {
		return nil, err
	}
	return h(ctx, req)
}

// StreamAuthorizer is UnaryAuthorizer for streaming methods, so that a
// streaming method added later is checked too rather than let through.
func StreamAuthorizer(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if err := authorize(ss.Context(), info.FullMethod); err != nil {
		return err
	}
	return h(srv, ss)
}

// authorize checks the caller's certificate against methodComponents;
// without TLS (insecure mode) everyone may call everything.
func authorize(ctx context.Context, method string) error {
	c, secure, err := Caller(ctx, method)
	if err != nil || !secure {
		return err // insecure transport: nothing to check
	}
	if !Allowed(method, c) {
		return status.Error(codes.PermissionDenied,
			fmt.Sprintf("component %q (certificate common name) may not call %s", c, method))
	}
	return nil
}
