package fabric

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWithoutReplyPoll(t *testing.T) {
	ctx := context.Background()
	require.True(t, ReplyPollWanted(ctx))
	off := WithoutReplyPoll(ctx)
	require.False(t, ReplyPollWanted(off))
	child, cancel := context.WithCancel(off)
	defer cancel()
	require.False(t, ReplyPollWanted(child), "the mark is inherited")
}
