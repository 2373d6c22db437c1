package wal

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCheckpointRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "target.ckpt")
	for _, payload := range [][]byte{nil, []byte("index"), garbage(3 << 20)} {
		require.NoError(t, WriteCheckpoint(path, LSN(len(payload)+1), payload))
		lsn, got, err := ReadCheckpoint(path)
		require.NoError(t, err)
		require.Equal(t, LSN(len(payload)+1), lsn)
		require.Equal(t, len(payload), len(got))
		require.Equal(t, string(payload), string(got))
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file is left behind")
}

func TestCheckpointMissing(t *testing.T) {
	_, _, err := ReadCheckpoint(filepath.Join(t.TempDir(), "none"))
	require.ErrorIs(t, err, fs.ErrNotExist)
}

func TestCheckpointAtomicReplacement(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "target.ckpt")
	require.NoError(t, WriteCheckpoint(path, 10, []byte("old state")))

	// A writer that crashed midway leaves half a temporary file.
	var half []byte
	{
		other := filepath.Join(t.TempDir(), "new.ckpt")
		require.NoError(t, WriteCheckpoint(other, 20, []byte("new state, never finished")))
		full, err := os.ReadFile(other)
		require.NoError(t, err)
		half = full[:len(full)/2]
	}
	require.NoError(t, os.WriteFile(path+".tmp-123456", half, 0o600))
	lsn, payload, err := ReadCheckpoint(path)
	require.NoError(t, err)
	require.Equal(t, LSN(10), lsn)
	require.Equal(t, "old state", string(payload))

	// A write that fails before its rename leaves the old one in place.
	boom := errors.New("injected failure")
	err = writeCheckpoint(path, 30, []byte("failed state"), func(string) error { return boom })
	require.ErrorIs(t, err, boom)
	lsn, payload, err = ReadCheckpoint(path)
	require.NoError(t, err)
	require.Equal(t, LSN(10), lsn)
	require.Equal(t, "old state", string(payload))

	require.NoError(t, WriteCheckpoint(path, 40, []byte("newer state")))
	lsn, payload, err = ReadCheckpoint(path)
	require.NoError(t, err)
	require.Equal(t, LSN(40), lsn)
	require.Equal(t, "newer state", string(payload))
	matches, err := filepath.Glob(path + ".tmp-*")
	require.NoError(t, err)
	require.Equal(t, []string{path + ".tmp-123456"}, matches, "only the crashed writer's file remains")
}

func TestCheckpointCorruption(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.ckpt")
	require.NoError(t, WriteCheckpoint(good, 7, []byte("some index state")))
	image, err := os.ReadFile(good)
	require.NoError(t, err)

	for name, tc := range map[string]struct {
		change func([]byte) []byte
		where  string
	}{
		"magic":      {func(b []byte) []byte { b[0] ^= 1; return b }, "offset 0"},
		"LSN":        {func(b []byte) []byte { b[ckptLSNOff] ^= 1; return b }, "offset 36"},
		"header CRC": {func(b []byte) []byte { b[ckptHeaderCRCOff] ^= 1; return b }, "offset 36"},
		"payload":    {func(b []byte) []byte { b[ckptHeaderBytes+3] ^= 1; return b }, "offset 40"},
		"cut":        {func(b []byte) []byte { return b[:len(b)-1] }, "offset 24"},
		"trailing":   {func(b []byte) []byte { return append(b, 0) }, "offset 24"},
		"tiny":       {func(b []byte) []byte { return b[:10] }, "offset 0"},
		"empty":      {func(b []byte) []byte { return nil }, "offset 0"},
	} {
		path := filepath.Join(dir, fmt.Sprintf("%s.ckpt", name))
		require.NoError(t, os.WriteFile(path, tc.change(append([]byte{}, image...)), 0o600))
		_, _, err := ReadCheckpoint(path)
		require.ErrorIs(t, err, ErrCorrupt, name)
		require.ErrorContains(t, err, path, name)
		require.ErrorContains(t, err, tc.where, name)
	}
}
