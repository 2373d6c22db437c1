package tcp

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/daos-go/daos/pkg/daos"
)

// sendSession is a session on c with what Send and close need.
func sendSession(c net.Conn) *session {
	return &session{
		ep:       &endpoint{maxMsg: 4 << 20},
		ctrl:     c,
		ctrlLock: make(writeLock, 1),
		done:     make(chan struct{}),
	}
}

// readFrames reads n frames from p as the peer's reader would.
func readFrames(t *testing.T, p net.Conn, n int) (types []byte, msgs [][]byte) {
	t.Helper()
	fr := newFrameReader(bufio.NewReader(p), 8<<20, nil)
	for range n {
		typ, msg, err := fr.next()
		require.NoError(t, err)
		types = append(types, typ)
		msgs = append(msgs, msg)
	}
	return types, msgs
}

// senderFrame is frame i of sender w (of each per sender): the two
// numbers, then filler to a size below 8+spread that varies by frame.
func senderFrame(w, i, each, spread int) []byte {
	msg := make([]byte, 8+(w*each+i)%spread)
	binary.LittleEndian.PutUint32(msg, uint32(w))
	binary.LittleEndian.PutUint32(msg[4:], uint32(i))
	return msg
}

// checkSenderFrames checks frames made by senderFrame arrived whole and,
// sender by sender, in order, all of them.
func checkSenderFrames(t *testing.T, msgs [][]byte, senders, each, spread int) {
	t.Helper()
	next := make([]int, senders)
	for _, m := range msgs {
		w, i := binary.LittleEndian.Uint32(m), int(binary.LittleEndian.Uint32(m[4:]))
		require.Equal(t, next[w], i, "sender %d's frames in order", w)
		require.Len(t, m, 8+(int(w)*each+i)%spread)
		next[w]++
	}
	for w, n := range next {
		require.Equal(t, each, n, "sender %d's frames", w)
	}
}

// TestSendCombinesConcurrentFrames: while other requests are being handled
// on a session (so more replies are coming), senders queue small frames
// and one of them writes the queue; every frame arrives whole, each
// sender's in the order it sent them, and some writes carried several.
func TestSendCombinesConcurrentFrames(t *testing.T) {
	c, p := connPair(t)
	s := sendSession(c)
	const senders, each = 16, 200
	s.rx.Store(senders * each) // as many requests received as replies to come
	var wg sync.WaitGroup
	for w := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := s.Send(context.Background(), senderFrame(w, i, each, 3000)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	_, msgs := readFrames(t, p, senders*each)
	wg.Wait()
	checkSenderFrames(t, msgs, senders, each, 3000)
	require.Positive(t, s.batches, "no write carried more than one frame")
}

// TestSendAloneWritesAtOnce: with nothing else under way a frame is
// written by its sender, not queued.
func TestSendAloneWritesAtOnce(t *testing.T) {
	c, p := connPair(t)
	s := sendSession(c)
	for i := range 3 {
		require.NoError(t, s.Send(context.Background(), []byte(fmt.Sprint("call", i))))
		require.Empty(t, s.pend)
		require.False(t, s.flushing)
		s.rx.Add(1) // its reply
	}
	_, msgs := readFrames(t, p, 3)
	require.Equal(t, "call2", string(msgs[2]))
}

// TestQueuedFramesGoFirst: frames queued for a flush that has not
// happened yet go out before a large frame and before the bye of a close.
func TestQueuedFramesGoFirst(t *testing.T) {
	c, p := connPair(t)
	s := sendSession(c)
	queue := func(msg string) {
		s.pend = appendFrame(s.pend, []byte(msg))
		s.queued++
		s.flushing = true // its flusher has yielded
	}
	queue("small")
	big := make([]byte, smallWrite+1)
	big[0] = 'B'
	require.NoError(t, s.Send(context.Background(), big))
	queue("last")
	s.close(fmt.Errorf("test done"))
	types, msgs := readFrames(t, p, 4)
	require.Equal(t, []byte{ctrlMessage, ctrlMessage, ctrlMessage, ctrlBye}, types)
	require.Equal(t, "small", string(msgs[0]))
	require.Equal(t, byte('B'), msgs[1][0])
	require.Len(t, msgs[1], smallWrite+1)
	require.Equal(t, "last", string(msgs[2]))
}

// TestSendQueueBounded: while the sender that queued first has yielded
// and not come back, the others' frames are written once pendFlushAt bytes
// are queued, by the sender that gets there, so the queue stays bounded;
// what is left goes with the yielded sender's flush, all in order.
func TestSendQueueBounded(t *testing.T) {
	c, p := connPair(t)
	s := sendSession(c)
	const frames, size = 42, 60 << 10 // five frames pass pendFlushAt: two are left
	s.rx.Store(frames + 1)
	s.flushing = true // a sender has queued nothing yet and yielded
	for i := range frames {
		msg := make([]byte, size)
		binary.LittleEndian.PutUint32(msg, uint32(i))
		require.NoError(t, s.Send(context.Background(), msg))
		require.Less(t, len(s.pend), pendFlushAt, "frame %d: %d bytes queued", i, len(s.pend))
	}
	require.NotEmpty(t, s.pend, "the rest waits for the yielded sender")
	require.NoError(t, s.ctrlLock.lock(context.Background(), s.done))
	require.NoError(t, s.flushLocked(t.Context())) // it comes back
	s.ctrlLock.unlock()
	_, msgs := readFrames(t, p, frames)
	for i, m := range msgs {
		require.Len(t, m, size)
		require.Equal(t, uint32(i), binary.LittleEndian.Uint32(m), "frames in order")
	}
	require.LessOrEqual(t, s.largest, pendFlushAt+ctrlHeaderLen+size, "a write of %d bytes", s.largest)
}

// TestSendAloneAfterUnansweredMessages: messages that get no reply
// (cancellations sent or received) leave no trace in the count of
// exchanges under way, so a lone call or reply afterwards still writes at
// once.
func TestSendAloneAfterUnansweredMessages(t *testing.T) {
	c, p := connPair(t)
	s := sendSession(c)
	for range 5 { // cancellations sent: no replies come
		require.NoError(t, s.Send(context.Background(), []byte("cancel")))
	}
	for range 5 { // cancellations received: the rpc layer says so
		s.rx.Add(1)
		s.Unanswered()
	}
	s.rx.Add(1) // a request
	require.NoError(t, s.Send(context.Background(), []byte("reply")))
	require.Empty(t, s.pend)
	require.False(t, s.flushing)
	require.NoError(t, s.Send(context.Background(), []byte("call")))
	require.Empty(t, s.pend)
	require.False(t, s.flushing)
	_, msgs := readFrames(t, p, 7)
	require.Equal(t, "call", string(msgs[6]))
}

// TestLargeSendBehindQueueHonoursContext: a large frame waits for the
// queued small frames to go out first, and when the peer reads nothing the
// caller's context still ends the wait (with the session, whose stream is
// cut mid-frame).
func TestLargeSendBehindQueueHonoursContext(t *testing.T) {
	c, _ := connPair(t) // the peer never reads
	s := sendSession(c)
	fillSocket(t, c)
	s.pend = append(s.pend, make([]byte, ctrlHeaderLen+pendFlushAt)...)
	s.queued, s.flushing = 1, true
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Send(ctx, make([]byte, smallWrite+1)) }()
	select {
	case err := <-done:
		require.Equal(t, daos.ErrTimedout, daos.Code(err), "%v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("a large send behind queued frames ignores its context")
	}
	require.Error(t, s.Err(), "the session ends: part of a frame may have gone out")
}

// TestSendDeferred: deferred frames wait in the session's queue until the
// endpoint flushes (one write for all of them), or until a plain send on
// the session writes them ahead of its own; frames over the small-write
// size go at once; every frame arrives whole and in order.
func TestSendDeferred(t *testing.T) {
	c, p := connPair(t)
	s := sendSession(c)
	ctx := context.Background()
	for i := range 5 {
		queued, err := s.SendDeferred([]byte{byte(i), 'd'})
		require.NoError(t, err)
		require.True(t, queued)
	}
	require.Equal(t, int32(1), s.ep.nDefer.Load(), "the session is listed once")
	require.Equal(t, 5, s.dqn, "nothing written before the flush")
	s.ep.Flush()
	require.Zero(t, s.ep.nDefer.Load())
	require.Zero(t, s.dqn)
	require.Equal(t, 1, s.batches, "one write for the five")
	_, msgs := readFrames(t, p, 5)
	for i, m := range msgs {
		require.Equal(t, []byte{byte(i), 'd'}, m)
	}

	// A plain send writes the deferred frames first; the flush that
	// follows finds nothing left.
	_, err := s.SendDeferred([]byte("first"))
	require.NoError(t, err)
	require.NoError(t, s.Send(ctx, []byte("second")))
	require.Zero(t, s.dqn)
	s.ep.Flush()
	big := make([]byte, smallWrite+1)
	big[0] = 'b'
	queued, err := s.SendDeferred(big)
	require.NoError(t, err)
	require.False(t, queued, "a large frame is not held")
	require.Zero(t, s.ep.nDefer.Load())
	require.NoError(t, s.Send(ctx, big))
	_, msgs = readFrames(t, p, 3)
	require.Equal(t, "first", string(msgs[0]))
	require.Equal(t, "second", string(msgs[1]))
	require.Equal(t, big, msgs[2])
}

// TestSendDeferredConcurrentFlushes: senders deferring frames and
// flushing (as libdaos's pollers do) while others send plainly and flush
// (as a reader does after a reply): every frame arrives whole, each
// sender's in order, and nothing is left behind.
func TestSendDeferredConcurrentFlushes(t *testing.T) {
	c, p := connPair(t)
	s := sendSession(c)
	const senders, each = 8, 300
	var wg sync.WaitGroup
	for w := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				msg := senderFrame(w, i, each, 5000)
				var err error
				if w%4 == 3 {
					err = s.Send(context.Background(), msg)
				} else {
					_, err = s.SendDeferred(msg)
				}
				if err != nil {
					t.Error(err)
					return
				}
				if i%3 == 0 || w%2 == 1 {
					s.ep.Flush()
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		s.ep.Flush()
		close(done)
	}()
	require.NoError(t, p.SetReadDeadline(time.Now().Add(time.Minute))) // a frame left behind fails, not hangs
	_, msgs := readFrames(t, p, senders*each)
	<-done
	checkSenderFrames(t, msgs, senders, each, 5000)
	s.deferMu.Lock()
	defer s.deferMu.Unlock()
	require.Zero(t, s.dqn)
	require.False(t, s.flusher)
}

// TestFlushDoesNotWait: a flush that finds the socket full returns, and
// a goroutine writes the rest once the peer reads; the backstop sends
// frames nobody flushes.
func TestFlushDoesNotWait(t *testing.T) {
	c, p := connPair(t)
	s := sendSession(c)
	const n = 400 // 400 frames of 60 KiB: far more than the socket holds
	for i := range n {
		msg := make([]byte, 60<<10)
		binary.LittleEndian.PutUint32(msg, uint32(i))
		queued, err := s.SendDeferred(msg)
		require.NoError(t, err)
		require.True(t, queued)
	}
	flushed := make(chan struct{})
	go func() { s.ep.Flush(); close(flushed) }()
	select {
	case <-flushed:
	case <-time.After(30 * time.Second):
		t.Fatal("Flush waited for the peer to read")
	}
	require.NoError(t, p.SetReadDeadline(time.Now().Add(time.Minute)))
	_, msgs := readFrames(t, p, n)
	for i, m := range msgs {
		require.Equal(t, uint32(i), binary.LittleEndian.Uint32(m), "frame %d", i)
	}

	// Never flushed: the backstop sends it.
	queued, err := s.SendDeferred([]byte("late"))
	require.NoError(t, err)
	require.True(t, queued)
	_, msgs = readFrames(t, p, 1)
	require.Equal(t, "late", string(msgs[0]))
}

// fillSocket writes to c until the kernel takes no more (a non-blocking
// write answers EAGAIN), so that the next write must wait for the peer:
// a write deadline would stop early on a loaded machine, with room left.
func fillSocket(t *testing.T, c net.Conn) {
	t.Helper()
	raw, err := c.(*net.TCPConn).SyscallConn()
	require.NoError(t, err)
	chunk := make([]byte, 1<<16)
	var werr error
	full := false
	require.NoError(t, raw.Write(func(fd uintptr) bool {
		for range 1 << 16 { // bounded: 4 GiB, far past any socket buffer
			_, werr = unix.Write(int(fd), chunk)
			if werr == unix.EINTR {
				continue
			}
			if werr == unix.EAGAIN {
				full, werr = true, nil
			}
			if werr != nil || full {
				return true
			}
		}
		return true
	}))
	require.NoError(t, werr)
	require.True(t, full, "the socket never filled")
}
