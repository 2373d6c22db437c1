package security

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/daos-go/daos/pkg/control/config"
)

// methodComponents lists who may call each control method (DAOS's
// authorisation table, for the methods served so far). A method missing
// here is refused under TLS.
var methodComponents = map[string][]config.Component{
	"/ctl.CtlSvc/StorageScan":   {config.ComponentAdmin},
	"/ctl.CtlSvc/StorageFormat": {config.ComponentAdmin},
	"/ctl.CtlSvc/NetworkScan":   {config.ComponentAdmin},
	// The agent builds attach info from it until the management service
	// serves GetAttachInfo.
	"/ctl.CtlSvc/HostSystemQuery": {config.ComponentAdmin, config.ComponentAgent},
}

// Allowed reports whether component c may call method.
func Allowed(method string, c config.Component) bool {
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
	p, ok := peer.FromContext(ctx)
	if !ok {
		return status.Error(codes.Unauthenticated, "no peer information")
	}
	ti, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok {
		return nil // insecure transport
	}
	if len(ti.State.VerifiedChains) == 0 || len(ti.State.VerifiedChains[0]) == 0 {
		return status.Error(codes.Unauthenticated, "no verified client certificate")
	}
	cn := ti.State.VerifiedChains[0][0].Subject.CommonName
	if !Allowed(method, config.Component(cn)) {
		return status.Error(codes.PermissionDenied,
			fmt.Sprintf("component %q (certificate common name) may not call %s", cn, method))
	}
	return nil
}
