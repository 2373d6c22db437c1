package fabric

import "context"

type noReplyPollKey struct{}

// WithoutReplyPoll marks calls made with ctx as ones whose caller does not
// wait on the reply itself: an asynchronous operation whose completion an
// event queue hands to another thread. Providers then never poll for the
// reply (tcp.Driver.ReplySpin, the ofi provider's Poll): the hand-off
// costs the wake-up the poll would save, and the poll's CPU is taken from
// the threads that submit and collect the operations.
func WithoutReplyPoll(ctx context.Context) context.Context {
	return context.WithValue(ctx, noReplyPollKey{}, true)
}

// ReplyPollWanted reports whether a caller with ctx may poll for its
// reply (see WithoutReplyPoll).
func ReplyPollWanted(ctx context.Context) bool { return ctx.Value(noReplyPollKey{}) == nil }
