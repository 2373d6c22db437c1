package server

import (
	"context"
	"errors"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/agent/agentpb"
	"github.com/daos-go/daos/pkg/agent/auth"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
)

// CredVerifier checks client credentials (*auth.Verifier).
type CredVerifier interface {
	Verify(cred *agentpb.Credential) (*agentpb.Sys, error)
}

// handleValidateCreds answers SEC VALIDATE_CREDS for an engine: a good
// credential comes back as its token (the client's identity); a
// malformed one is DER_INVAL, one whose signer has no certificate here
// DER_NO_CERT, and any other failure DER_NO_PERM, as DAOS answers.
func (s *Server) handleValidateCreds(_ context.Context, body []byte) ([]byte, error) {
	req := &agentpb.ValidateCredReq{}
	if err := proto.Unmarshal(body, req); err != nil {
		return nil, drpc.ErrBadPayload
	}
	reply := func(code daos.Errno, tok *agentpb.Token) ([]byte, error) {
		return proto.Marshal(&agentpb.ValidateCredResp{Status: int32(code.DerCode()), Token: tok})
	}
	cred := req.Cred
	if cred == nil || cred.Token == nil || cred.Verifier == nil {
		s.log.Warn("malformed client credential")
		return reply(daos.ErrInval, nil)
	}
	if s.opts.Credentials == nil {
		s.log.Error("client credential not checked: this server has no credential verifier")
		return reply(daos.ErrNoPerm, nil)
	}
	if _, err := s.opts.Credentials.Verify(cred); err != nil {
		s.log.Warn("client credential refused", "origin", cred.Origin, "err", err)
		if errors.Is(err, auth.ErrNoKey) {
			return reply(daos.ErrNoCert, nil)
		}
		return reply(daos.ErrNoPerm, nil)
	}
	return reply(daos.Success, cred.Token)
}
