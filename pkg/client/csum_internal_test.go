package client

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/object/csum"
	"github.com/daos-go/daos/pkg/poolsvc"
)

func TestCsumSpecFromProps(t *testing.T) {
	for _, tc := range []struct {
		props map[string]string
		want  csum.Spec
	}{
		{nil, csum.Spec{}},
		{map[string]string{"cksum": "off", "cksum_size": "32768"}, csum.Spec{}},
		{map[string]string{"cksum": "crc32", "cksum_size": "32768", "srv_cksum": "on"}, csum.Spec{Type: csum.CRC32, ChunkBytes: 32 << 10, ServerVerify: true}},
		{map[string]string{"cksum": "sha256", "cksum_size": "4096", "srv_cksum": "off"}, csum.Spec{Type: csum.SHA256, ChunkBytes: 4096}},
	} {
		got, err := csumSpec(&poolsvc.ContInfo{Props: tc.props})
		require.NoError(t, err, tc.props)
		assert.Equal(t, tc.want, got, tc.props)
	}
	got, err := csumSpec(nil)
	require.NoError(t, err)
	assert.Equal(t, csum.Spec{}, got)
	for _, bad := range []map[string]string{
		{"cksum": "md5", "cksum_size": "4096"},
		{"cksum": "crc32"},
		{"cksum": "crc32", "cksum_size": "0"},
		{"cksum": "crc32", "cksum_size": "32 KiB"},
	} {
		_, err := csumSpec(&poolsvc.ContInfo{Props: bad})
		assert.ErrorIs(t, err, daos.ErrInval, bad)
	}
}
