package daos

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestErrnoFormatsLikeDAOS(t *testing.T) {
	require.Equal(t, "DER_NONEXIST(-1005): 'does not exist'", ErrNonexist.Error())
	require.Equal(t, -1005, ErrNonexist.DerCode())
	require.Equal(t, "DER_SUCCESS", Success.Name())
	require.Equal(t, "DER_UNKNOWN", Errno(77).Name())
	require.Equal(t, Errno(2052), ErrIgnore)
	require.Equal(t, Errno(1046), ErrQuotaLimit)
}

func TestEveryCodeBetweenBasesIsKnown(t *testing.T) {
	for c := 1001; c <= 1046; c++ {
		require.True(t, Errno(c).Known(), "gurt code %d", c)
	}
	for c := 2001; c <= 2052; c++ {
		require.True(t, Errno(c).Known(), "daos code %d", c)
	}
	require.False(t, Errno(2053).Known())
}

func TestCodeAndFromCode(t *testing.T) {
	wrapped := fmt.Errorf("open container: %w", ErrNonexist)
	require.Equal(t, ErrNonexist, Code(wrapped))
	require.True(t, errors.Is(wrapped, ErrNonexist))
	require.Equal(t, ErrUnknown, Code(errors.New("plain")))
	require.Equal(t, Success, Code(nil))
	require.NoError(t, FromCode(0))
	require.ErrorIs(t, FromCode(-1004), ErrExist)
	require.ErrorIs(t, FromCode(-99999), ErrUnknown)
	require.ErrorIs(t, FromCode(5), ErrUnknown)
	err := Errorf(ErrInval, "akey %q", "a")
	require.Equal(t, `akey "a": DER_INVAL(-1003): 'invalid argument'`, err.Error())
	require.Equal(t, -1003, Code(err).DerCode())
}

func TestObjectIDParse(t *testing.T) {
	o, err := ParseObjectID("12.34")
	require.NoError(t, err)
	require.Equal(t, ObjectID{Hi: 12, Lo: 34}, o)
	require.Equal(t, "12.34", o.String())
	for _, bad := range []string{"", "12", "a.1", "1.b", "-1.2"} {
		_, err := ParseObjectID(bad)
		require.ErrorIs(t, err, ErrInval, bad)
	}
	require.True(t, ObjectID{1, 5}.Less(ObjectID{2, 0}))
	require.True(t, ObjectID{1, 5}.Less(ObjectID{1, 6}))
}

func TestRecx(t *testing.T) {
	a := Recx{Idx: 10, Nr: 5}
	require.Equal(t, uint64(15), a.End())
	require.True(t, a.Overlaps(Recx{14, 1}))
	require.False(t, a.Overlaps(Recx{15, 3}))
	require.False(t, a.Overlaps(Recx{0, 10}))
}
