// Package msdb replicates the management service's record
// (system.Database) across the servers named in mgmt_svc_replicas with
// raft (hashicorp/raft): the log and raft's own state live in a bbolt file
// (daos_system.db) in the replica's control_raft directory, snapshots
// beside it, and raft's messages travel over the control plane's gRPC
// server (/RaftTransport/*, as DAOS does), so they share its port and its
// TLS.
package msdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	transport "github.com/Jille/raft-grpc-transport"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"google.golang.org/grpc"

	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
)

// DBFile is the raft store's file name inside the raft directory.
const DBFile = "daos_system.db"

// Timing is raft's clock. The zero value takes raft's defaults.
type Timing struct {
	Heartbeat   time.Duration
	Election    time.Duration
	LeaderLease time.Duration
	Commit      time.Duration
}

// Transport is the gRPC side of raft's messages. Make it when the gRPC
// server is built (services must be registered before it serves) and
// start the replica later, once its storage exists.
type Transport struct {
	local string
	m     *transport.Manager
}

// NewTransport registers the raft message service on gs; local is this
// replica's control address (host:port), dial how it reaches the others.
func NewTransport(gs grpc.ServiceRegistrar, local string, dial ...grpc.DialOption) *Transport {
	m := transport.New(raft.ServerAddress(local), dial)
	m.Register(gs)
	return &Transport{local: local, m: m}
}

// Config describes one replica.
type Config struct {
	Dir       string   // raft directory (created if missing)
	Replicas  []string // every replica's control address, host:port
	Transport *Transport
	DB        *system.Database
	Logger    *slog.Logger
	Timing    Timing
	// SnapshotThreshold is how many log entries trigger a snapshot; 0
	// means raft's default (8192).
	SnapshotThreshold uint64
}

// Replica is this server's member of the raft group.
type Replica struct {
	cfg   Config
	raft  *raft.Raft
	store *raftboltdb.BoltStore
	log   *slog.Logger

	closeOnce sync.Once
	closeErr  error
}

// Open starts the replica. A replica with no raft state yet bootstraps the
// group with every configured replica as a voter; raft lets every replica
// do that with the same list, so no replica has to go first.
func Open(cfg Config) (*Replica, error) {
	if cfg.Transport == nil || cfg.DB == nil {
		return nil, errors.New("open management database: no transport or database")
	}
	if !contains(cfg.Replicas, cfg.Transport.local) {
		return nil, fmt.Errorf("open management database: %s is not one of the replicas %v", cfg.Transport.local, cfg.Replicas)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("open management database: %w", err)
	}
	store, err := raftboltdb.New(raftboltdb.Options{Path: filepath.Join(cfg.Dir, DBFile)})
	if err != nil {
		return nil, fmt.Errorf("open management database %s: %w", filepath.Join(cfg.Dir, DBFile), err)
	}
	hlog := hclog.New(&hclog.LoggerOptions{Name: "raft", Output: slogWriter{cfg.Logger}, Level: hclog.Warn, DisableTime: true})
	snaps, err := raft.NewFileSnapshotStoreWithLogger(cfg.Dir, 2, hlog)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("open management database snapshots in %s: %w", cfg.Dir, err)
	}
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.Transport.local)
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
		return nil, fmt.Errorf("open management database: %w", err)
	}
	existing, err := raft.HasExistingState(store, store, snaps)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("open management database: %w", err)
	}
	r, err := raft.NewRaft(rc, &fsm{db: cfg.DB}, store, store, snaps, cfg.Transport.m.Transport())
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("start management database replica: %w", err)
	}
	if !existing {
		var servers []raft.Server
		for _, a := range cfg.Replicas {
			servers = append(servers, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(a), Address: raft.ServerAddress(a)})
		}
		if err := r.BootstrapCluster(raft.Configuration{Servers: servers}).Error(); err != nil && !errors.Is(err, raft.ErrCantBootstrap) {
			r.Shutdown()
			store.Close()
			return nil, fmt.Errorf("bootstrap management database: %w", err)
		}
		cfg.Logger.Info("management database bootstrapped", "replicas", cfg.Replicas)
	}
	return &Replica{cfg: cfg, raft: r, store: store, log: cfg.Logger}, nil
}

func setIf(d *time.Duration, v time.Duration) {
	if v > 0 {
		*d = v
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Local is this replica's address.
func (r *Replica) Local() string { return r.cfg.Transport.local }

// Replicas is the configured replica set.
func (r *Replica) Replicas() []string { return append([]string(nil), r.cfg.Replicas...) }

// IsLeader tells whether this replica leads.
func (r *Replica) IsLeader() bool { return r.raft.State() == raft.Leader }

// Leader is the current leader's address, "" when none is known.
func (r *Replica) Leader() string {
	addr, _ := r.raft.LeaderWithID()
	return string(addr)
}

// LeaderCh reports leadership gains (true) and losses (false).
func (r *Replica) LeaderCh() <-chan bool { return r.raft.LeaderCh() }

// ErrNotLeader is returned by Apply on a replica that does not lead.
var ErrNotLeader = daos.Errorf(daos.ErrNotleader, "this replica is not the management service leader")

// Apply commits a command through the log and returns its result (see
// system.Database.Apply): a refusal by the database comes back as the
// error.
func (r *Replica) Apply(ctx context.Context, c *system.Command) (any, error) {
	if c.Time.IsZero() {
		c.Time = time.Now().UTC()
	}
	b, err := c.Encode()
	if err != nil {
		return nil, err
	}
	timeout := 10 * time.Second
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
		if timeout <= 0 {
			return nil, daos.Errorf(daos.ErrTimedout, "management command %s: %v", c.Op, ctx.Err())
		}
	}
	f := r.raft.Apply(b, timeout)
	if err := f.Error(); err != nil {
		switch {
		case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost), errors.Is(err, raft.ErrLeadershipTransferInProgress):
			return nil, fmt.Errorf("management command %s: %w", c.Op, ErrNotLeader)
		case errors.Is(err, raft.ErrEnqueueTimeout):
			return nil, daos.Errorf(daos.ErrTimedout, "management command %s: not committed in time (is a majority of replicas up?)", c.Op)
		case errors.Is(err, raft.ErrRaftShutdown):
			return nil, daos.Errorf(daos.ErrShutdown, "management command %s: the replica is shutting down", c.Op)
		}
		return nil, fmt.Errorf("management command %s: %w", c.Op, err)
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
		// raft waits for ever on a timeout of 0 or less.
		if timeout = time.Until(d); timeout <= 0 {
			return daos.Errorf(daos.ErrTimedout, "management database barrier: %v", ctx.Err())
		}
	}
	if err := r.raft.Barrier(timeout).Error(); err != nil {
		switch {
		case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost):
			return ErrNotLeader
		case errors.Is(err, raft.ErrEnqueueTimeout):
			return daos.Errorf(daos.ErrTimedout, "management database barrier: not done in time")
		case errors.Is(err, raft.ErrRaftShutdown):
			return daos.Errorf(daos.ErrShutdown, "management database barrier: the replica is shutting down")
		}
		return fmt.Errorf("management database barrier: %w", err)
	}
	return nil
}

// Term is raft's current term: a new leadership has a new term.
func (r *Replica) Term() uint64 { return r.raft.CurrentTerm() }

// Stats returns raft's counters (state, term, last index...) for
// telemetry.
func (r *Replica) Stats() map[string]string { return r.raft.Stats() }

// Close stops the replica and its store.
func (r *Replica) Close() error {
	r.closeOnce.Do(func() {
		err := r.raft.Shutdown().Error()
		if cerr := r.store.Close(); err == nil {
			err = cerr
		}
		r.closeErr = err
	})
	return r.closeErr
}

// CloseTransport drops the transport's connections; call it after the
// replica is closed and the gRPC server stopped.
func (t *Transport) Close() error { return t.m.Close() }

// fsm applies the log to the database.
type fsm struct{ db *system.Database }

func (f *fsm) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand {
		return nil
	}
	c, err := system.DecodeCommand(l.Data)
	if err != nil {
		return err
	}
	return f.db.Apply(c)
}

func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	b, err := f.db.Snapshot()
	if err != nil {
		return nil, err
	}
	return snapshot(b), nil
}

func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 1<<30))
	if err != nil {
		return fmt.Errorf("read management database snapshot: %w", err)
	}
	return f.db.Restore(b)
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
	w.l.Info(string(trimNL(p)), "component", "raft")
	return len(p), nil
}

func trimNL(p []byte) []byte {
	for len(p) > 0 && (p[len(p)-1] == '\n' || p[len(p)-1] == '\r') {
		p = p[:len(p)-1]
	}
	return p
}
