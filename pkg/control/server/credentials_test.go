package server

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/agent/agentpb"
	"github.com/daos-go/daos/pkg/agent/auth"
	"github.com/daos-go/daos/pkg/daos"
)

func validate(t *testing.T, s *Server, cred *agentpb.Credential) *agentpb.ValidateCredResp {
	t.Helper()
	body, err := proto.Marshal(&agentpb.ValidateCredReq{Cred: cred})
	require.NoError(t, err)
	out, err := s.handleValidateCreds(context.Background(), body)
	require.NoError(t, err)
	resp := &agentpb.ValidateCredResp{}
	require.NoError(t, proto.Unmarshal(out, resp))
	return resp
}

func TestValidateCreds(t *testing.T) {
	signer, err := auth.GenerateSigner()
	require.NoError(t, err)
	other, err := auth.GenerateSigner()
	require.NoError(t, err)
	v := auth.NewVerifier(signer.PublicKey())
	s := &Server{log: slog.New(slog.DiscardHandler), opts: Options{Credentials: v}}
	sys := &agentpb.Sys{User: "alice@", Uid: 1000, Stamp: uint64(time.Now().Unix())}

	good, err := signer.Sign(sys, auth.AgentOrigin)
	require.NoError(t, err)
	resp := validate(t, s, good)
	assert.Zero(t, resp.Status)
	assert.True(t, proto.Equal(good.Token, resp.Token), "the reply does not carry the token")

	tampered := proto.Clone(good).(*agentpb.Credential)
	tampered.Verifier.Data[0] ^= 1
	resp = validate(t, s, tampered)
	assert.Equal(t, int32(daos.ErrNoPerm.DerCode()), resp.Status)
	assert.Nil(t, resp.Token)

	stranger, err := other.Sign(sys, auth.AgentOrigin)
	require.NoError(t, err)
	assert.Equal(t, int32(daos.ErrNoCert.DerCode()), validate(t, s, stranger).Status)
	assert.Equal(t, int32(daos.ErrInval.DerCode()), validate(t, s, &agentpb.Credential{Token: good.Token}).Status)
	assert.Equal(t, int32(daos.ErrInval.DerCode()), validate(t, s, nil).Status)

	_, err = s.handleValidateCreds(context.Background(), []byte{0xff, 0xff})
	assert.Error(t, err)

	none := &Server{log: slog.New(slog.DiscardHandler)}
	assert.Equal(t, int32(daos.ErrNoPerm.DerCode()), validate(t, none, good).Status)
}
