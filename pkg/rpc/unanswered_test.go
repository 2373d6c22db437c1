package rpc

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/fabric"
)

// countingPeer counts what deliver tells it gets no reply.
type countingPeer struct {
	fabric.Peer
	unanswered int
}

func (p *countingPeer) Unanswered()    { p.unanswered++ }
func (p *countingPeer) String() string { return "counting peer" }

// TestDeliverReportsUnanswered: a cancellation and a malformed message are
// reported to a peer that keeps count, so a provider does not take them for
// requests being handled.
func TestDeliverReportsUnanswered(t *testing.T) {
	e := listen(t, "tcp", 0, nil)
	p := &countingPeer{}
	enc := NewEncoder(nil)
	(&header{kind: kindCancel, id: 7}).encode(enc)
	e.deliver(p, enc.Bytes())
	require.Equal(t, 1, p.unanswered)
	e.deliver(p, []byte{0xff})
	require.Equal(t, 2, p.unanswered)
}
