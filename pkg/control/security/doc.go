// Package security builds the gRPC transport credentials of the control
// plane from transport_config: TLS with a shared CA, where the certificate's
// common name (admin, agent, server) names the component, or plaintext when
// allow_insecure is set. It also decides which component may call which
// method. It does not sign or check client credentials for pools.
package security
