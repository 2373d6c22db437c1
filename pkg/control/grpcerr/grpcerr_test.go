package grpcerr

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/daos-go/daos/pkg/daos"
)

func TestRoundTrip(t *testing.T) {
	err := ToStatus(daos.Errorf(daos.ErrNonexist, "rank 9 is not a member"))
	st, ok := status.FromError(err)
	assert.True(t, ok)
	assert.Equal(t, codes.Unknown, st.Code())
	back := FromStatus(err)
	assert.True(t, errors.Is(back, daos.ErrNonexist))
	assert.Contains(t, back.Error(), "rank 9 is not a member")
	assert.Equal(t, daos.ErrNonexist, daos.Code(back))

	perm := ToStatus(daos.Errorf(daos.ErrNoPerm, "no"))
	assert.Equal(t, codes.PermissionDenied, status.Code(perm))
	assert.True(t, errors.Is(FromStatus(perm), daos.ErrNoPerm))

	plain := ToStatus(errors.New("plain"))
	assert.False(t, errors.Is(FromStatus(plain), daos.ErrUnknown))
	assert.Equal(t, "plain", status.Convert(FromStatus(plain)).Message())

	already := status.Error(codes.Unavailable, "down")
	assert.Equal(t, already, ToStatus(already))
	assert.Nil(t, ToStatus(nil))
	assert.Nil(t, FromStatus(nil))
}
