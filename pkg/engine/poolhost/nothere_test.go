package poolhost

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
)

// A replica whose data is on this engine but not open yet (the engine
// restarted and has not been given its rank, so Reopen has not run) must
// not be reported as "no replica here": a caller that hears that from
// every replica concludes the pool is gone (DER_NONEXIST), and the engine's
// pool destroy then tears the pool down without asking its service.
func TestUnopenedReplicaIsNotNotHere(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	scm := t.TempDir()
	e := startEngine(t, 0, scm, 0)
	defer e.stop()
	p := UUID{1, 2, 3}
	// What startReplica recorded before the restart.
	dir := e.host.rdbDir(p)
	require.NoError(t, os.MkdirAll(dir, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, membersFile),
		[]byte(`{"Self":0,"Members":[{"Rank":0,"URI":"`+e.ep.URI().String()+`"}]}`), 0o600))

	_, resp, err := e.host.leading(ctx, p)
	require.NoError(t, err)
	require.NotNil(t, resp)
	assert.False(t, resp.NotHere, "a replica with data on disk answered NotHere")
	assert.True(t, resp.NotLeader)

	qctx, qcancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer qcancel()
	_, err = (&Client{EP: e.ep}).Query(qctx, p, []string{e.ep.URI().String()}, []byte(`{}`))
	require.Error(t, err)
	assert.NotEqual(t, daos.ErrNonexist, daos.Code(err), "%v", err)

	// A pool with nothing here is still NotHere.
	_, resp, err = e.host.leading(ctx, UUID{9})
	require.NoError(t, err)
	assert.True(t, resp.NotHere)
}
