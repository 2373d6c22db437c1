package security

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/ctlpb"
)

// callFrom makes a server-side call context from a peer whose verified
// certificate has common name cn, with incoming metadata md.
func callFrom(cn string, md ...string) context.Context {
	cert := &x509.Certificate{Subject: pkix.Name{CommonName: cn}}
	ctx := peer.NewContext(context.Background(), &peer.Peer{AuthInfo: credentials.TLSInfo{
		State: tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{cert}}}}})
	return metadata.NewIncomingContext(ctx, metadata.Pairs(md...))
}

func TestForwardedForIsHonouredOnlyWhereForwardingHappens(t *testing.T) {
	fwd := func(c config.Component) []string { return []string{ForwardedForKey, string(c)} }
	// A server forwarding an admin's management call acts as the admin.
	require.NoError(t, authorize(callFrom("server", fwd(config.ComponentAdmin)...), "/mgmt.MgmtSvc/SystemStop"))
	// ...but not on a host's control service, which is never forwarded.
	err := authorize(callFrom("server", fwd(config.ComponentAdmin)...), "/ctl.CtlSvc/StorageFormat")
	assert.Equal(t, codes.PermissionDenied, status.Code(err))
	// Without the claim a server is a server.
	assert.Equal(t, codes.PermissionDenied, status.Code(authorize(callFrom("server"), "/mgmt.MgmtSvc/SystemStop")))
	require.NoError(t, authorize(callFrom("server"), "/mgmt.MgmtSvc/Join"))
	// Only servers may claim; an agent claiming to be an admin is an agent.
	assert.Equal(t, codes.PermissionDenied, status.Code(authorize(callFrom("agent", fwd(config.ComponentAdmin)...), "/mgmt.MgmtSvc/SystemStop")))
	// Unknown or repeated claims are refused.
	assert.Equal(t, codes.PermissionDenied, status.Code(authorize(callFrom("server", ForwardedForKey, "root"), "/mgmt.MgmtSvc/SystemQuery")))
	assert.Equal(t, codes.PermissionDenied, status.Code(authorize(callFrom("server", ForwardedForKey, "admin", ForwardedForKey, "agent"), "/mgmt.MgmtSvc/SystemQuery")))
	// Raft's messages are servers' alone.
	assert.Equal(t, codes.PermissionDenied, status.Code(authorize(callFrom("admin"), "/RaftTransport/AppendEntries")))
	require.NoError(t, authorize(callFrom("server"), "/RaftTransport/AppendEntries"))
	require.NoError(t, authorize(callFrom("server"), "/RaftTransport/RequestPreVote"))
	assert.Equal(t, codes.PermissionDenied, status.Code(authorize(callFrom("agent"), "/RaftTransport/RequestPreVote")))
	// Insecure transport: no peer TLS, nothing checked.
	require.NoError(t, authorize(peer.NewContext(context.Background(), &peer.Peer{}), "/ctl.CtlSvc/StorageFormat"))
}

func TestEveryCtlSvcMethodIsListed(t *testing.T) {
	for _, m := range ctlpb.CtlSvc_ServiceDesc.Methods {
		_, ok := methodComponents["/ctl.CtlSvc/"+m.MethodName]
		assert.True(t, ok, "%s is refused under TLS: add it to methodComponents", m.MethodName)
	}
	require.NoError(t, authorize(callFrom("admin"), "/ctl.CtlSvc/SetEngineLogMasks"))
	for _, cn := range []string{"server", "agent"} {
		assert.Equal(t, codes.PermissionDenied, status.Code(authorize(callFrom(cn), "/ctl.CtlSvc/SetEngineLogMasks")), cn)
	}
}
