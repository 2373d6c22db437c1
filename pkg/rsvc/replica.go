// Package rsvc runs replicated services on hashicorp/raft: a replica
// keeps its log and raft state in a bbolt file with snapshots beside it,
// applies committed commands to the service's state machine, and maps
// raft's errors to DER codes. The management service (pkg/control/msdb)
// runs on it with raft over the control plane's gRPC port; pool services
// run on it among engines with raft over the fabric (Mux).
package rsvc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"

	"github.com/daos-go/daos/pkg/daos"
)

// DBFile is the raft store's file name inside a replica's directory.
const DBFile = "daos_system.db"

// Timing is raft's clock. The zero value takes raft's defaults.
type Timing struct {
	Heartbeat   time.Duration
	Election    time.Duration
	LeaderLease time.Duration
	Commit      time.Duration
}

// StateMachine is a replicated service's state: commands applied in log
// order, and whole-state snapshots.
type StateMachine interface {
	// Apply applies a committed command; its result (or error) is what
	// Replica.Apply returns on the leader.
	Apply(cmd []byte) any
	// Snapshot serializes the whole state.
	Snapshot() ([]byte, error)
	// Restore replaces the state with a snapshot's.
	Restore(data []byte) error
}

// Member is one replica of a group.
type Member struct {
	ID   string // stable identity (control address, or rank)
	Addr string // where the transport reaches it
}

// Config describes one replica.
type Config struct {
	Dir       string // created if missing
	DBFile    string // default DBFile
	Self      Member
	Members   []Member // the voter set every replica bootstraps with
	Transport raft.Transport
	Machine   StateMachine
	Logger    *slog.Logger
	Timing    Timing
	// SnapshotThreshold is how many log entries trigger a snapshot; 0
	// means raft's default (8192).
	SnapshotThreshold uint64
	// MaxSnapshotBytes bounds a snapshot read back; 0 means 1 GiB.
	MaxSnapshotBytes int64
}

// Replica is this process's member of a raft group.
type Replica struct {
	cfg   Config
	raft  *raft.Raft
	store *raftboltdb.BoltStore

	closeOnce sync.Once
	closeErr  error
}

// ErrNotLeader is returned by Apply on a replica that does not lead.
var ErrNotLeader = daos.Errorf(daos.ErrNotleader, "this replica is not the service leader")

// Open starts the replica. A replica with no raft state yet bootstraps the
// group with every member as a voter; raft lets every member do that with
// the same list, so no member has to go first.
func Open(cfg Config) (*Replica, error) {
	if cfg.Transport == nil || cfg.Machine == nil {
		return nil, errors.New("open replica: no transport or state machine")
	}
	found := false
	for _, m := range cfg.Members {
		found = found || m == cfg.Self
	}
	if !found {
		return nil, fmt.Errorf("open replica: %s (%s) is not one of the members %v", cfg.Self.ID, cfg.Self.Addr, cfg.Members)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.DBFile == "" {
		cfg.DBFile = DBFile
	}
	if cfg.MaxSnapshotBytes <= 0 {
		cfg.MaxSnapshotBytes = 1 << 30
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("open replica: %w", err)
	}
	path := filepath.Join(cfg.Dir, cfg.DBFile)
	store, err := raftboltdb.New(raftboltdb.Options{Path: path})
	if err != nil {
		return nil, fmt.Errorf("open replica store %s: %w", path, err)
	}
	hlog := hclog.New(&hclog.LoggerOptions{Name: "raft", Output: slogWriter{cfg.Logger.With("component", "raft")}, Level: hclog.Warn, DisableTime: true})
	snaps, err := raft.NewFileSnapshotStoreWithLogger(cfg.Dir, 2, hlog)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("open replica snapshots in %s: %w", cfg.Dir, err)
	}
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.Self.ID)
	rc.Logger = hlog
	setIf(&rc.HeartbeatTimeout, cfg.Timing.Heartbeat)
	setIf(&rc.ElectionTimeout, cfg.Timing.Election)
	setIf(&rc.LeaderLeaseTimeout, cfg.Timing.LeaderLease)
	setIf(&rc.CommitTimeout, cfg.Timing.Commit)
	if cfg.SnapshotThreshold > 0 {
		rc.SnapshotThreshold = cfg.SnapshotThreshold
	}
	if err := raft.ValidateConfig(rc); err != nil {
		store.Close()
		return nil, fmt.Errorf("open replica: %w", err)
	}
	existing, err := raft.HasExistingState(store, store, snaps)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("open replica: %w", err)
	}
	r, err := raft.NewRaft(rc, &fsm{m: cfg.Machine, max: cfg.MaxSnapshotBytes}, store, store, snaps, cfg.Transport)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("start replica: %w", err)
	}
	if !existing {
		var servers []raft.Server
		for _, m := range cfg.Members {
			servers = append(servers, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(m.ID), Address: raft.ServerAddress(m.Addr)})
		}
		if err := r.BootstrapCluster(raft.Configuration{Servers: servers}).Error(); err != nil && !errors.Is(err, raft.ErrCantBootstrap) {
			_ = r.Shutdown().Error()
			store.Close()
			return nil, fmt.Errorf("bootstrap replica group: %w", err)
		}
	}
	return &Replica{cfg: cfg, raft: r, store: store}, nil
}

func setIf(d *time.Duration, v time.Duration) {
	if v > 0 {
		*d = v
	}
}

// Self is this replica's member entry.
func (r *Replica) Self() Member { return r.cfg.Self }

// Members is the configured voter set.
func (r *Replica) Members() []Member { return append([]Member(nil), r.cfg.Members...) }

// IsLeader tells whether this replica leads.
func (r *Replica) IsLeader() bool { return r.raft.State() == raft.Leader }

// Leader is the current leader's address and ID, empty when none is known.
func (r *Replica) Leader() (addr, id string) {
	a, i := r.raft.LeaderWithID()
	return string(a), string(i)
}

// Term is raft's current term: a new leadership has a new term.
func (r *Replica) Term() uint64 { return r.raft.CurrentTerm() }

// Stats returns raft's counters (state, term, last index...).
func (r *Replica) Stats() map[string]string { return r.raft.Stats() }

// Apply commits a command and returns the state machine's result; a
// result that is an error comes back as the error.
func (r *Replica) Apply(ctx context.Context, cmd []byte) (any, error) {
	timeout := 10 * time.Second
	if d, ok := ctx.Deadline(); ok {
		// raft waits for ever on a timeout of 0 or less.
		if timeout = time.Until(d); timeout <= 0 {
			return nil, daos.Errorf(daos.ErrTimedout, "replicated command: %v", ctx.Err())
		}
	}
	f := r.raft.Apply(cmd, timeout)
	// raft bounds only the queueing by timeout; the wait for the commit
	// is bounded here, so a stalled group cannot pin the caller.
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		if err != nil {
			return nil, mapErr("replicated command", err)
		}
	case <-ctx.Done():
		return nil, daos.Errorf(daos.ErrTimedout, "replicated command: not committed in time: %v", ctx.Err())
	}
	res := f.Response()
	if err, ok := res.(error); ok {
		return nil, err
	}
	return res, nil
}

// Barrier waits until this leader has applied every committed entry, so
// its reads see everything earlier leaders acknowledged.
func (r *Replica) Barrier(ctx context.Context) error {
	timeout := 5 * time.Second
	if d, ok := ctx.Deadline(); ok {
		if timeout = time.Until(d); timeout <= 0 {
			return daos.Errorf(daos.ErrTimedout, "replica barrier: %v", ctx.Err())
		}
	}
	if err := r.raft.Barrier(timeout).Error(); err != nil {
		return mapErr("replica barrier", err)
	}
	return nil
}

func mapErr(what string, err error) error {
	switch {
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost), errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return fmt.Errorf("%s: %w", what, ErrNotLeader)
	case errors.Is(err, raft.ErrEnqueueTimeout):
		return daos.Errorf(daos.ErrTimedout, "%s: not done in time (is a majority of replicas up?)", what)
	case errors.Is(err, raft.ErrRaftShutdown):
		return daos.Errorf(daos.ErrShutdown, "%s: the replica is shutting down", what)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Close stops the replica and its store.
func (r *Replica) Close() error {
	r.closeOnce.Do(func() {
		// Calls blocked on a dead peer would hold the shutdown until
		// they time out.
		if a, ok := r.cfg.Transport.(interface{ Abort() }); ok {
			a.Abort()
		}
		err := r.raft.Shutdown().Error()
		if cerr := r.store.Close(); err == nil {
			err = cerr
		}
		r.closeErr = err
	})
	return r.closeErr
}

// fsm adapts a StateMachine to raft.
type fsm struct {
	m   StateMachine
	max int64
}

func (f *fsm) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand {
		return nil
	}
	return f.m.Apply(l.Data)
}

func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	b, err := f.m.Snapshot()
	if err != nil {
		return nil, err
	}
	return snapshot(b), nil
}

func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, f.max+1))
	if err != nil {
		return fmt.Errorf("read snapshot: %w", err)
	}
	if int64(len(b)) > f.max {
		return fmt.Errorf("read snapshot: larger than %d bytes", f.max)
	}
	return f.m.Restore(b)
}

type snapshot []byte

func (s snapshot) Persist(sink raft.SnapshotSink) error {
	if _, err := sink.Write(s); err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

func (s snapshot) Release() {}

// slogWriter feeds raft's hclog lines to slog.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && (p[len(p)-1] == '\n' || p[len(p)-1] == '\r') {
		p = p[:len(p)-1]
	}
	level := slog.LevelWarn // hclog is set to pass warnings and errors only
	if bytes.Contains(p, []byte("[ERROR]")) {
		level = slog.LevelError
	}
	w.l.Log(context.Background(), level, string(p))
	return n, nil
}
