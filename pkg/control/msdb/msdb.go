// Package msdb replicates the management service's record
// (system.Database) across the servers named in mgmt_svc_replicas: a
// pkg/rsvc replica (hashicorp/raft, log in daos_system.db) whose raft
// messages travel over the control plane's gRPC server
// (/RaftTransport/*, as DAOS does), so they share its port and its TLS.
package msdb

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	transport "github.com/Jille/raft-grpc-transport"
	"github.com/hashicorp/raft"
	"google.golang.org/grpc"

	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/rsvc"
)

// DBFile is the raft store's file name inside the raft directory.
const DBFile = rsvc.DBFile

// Timing is raft's clock. The zero value takes raft's defaults.
type Timing = rsvc.Timing

// ErrNotLeader is returned by Apply on a replica that does not lead.
var ErrNotLeader = rsvc.ErrNotLeader

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

// Close drops the transport's connections; call it after the replica is
// closed and the gRPC server stopped.
func (t *Transport) Close() error { return t.m.Close() }

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

// Replica is this server's member of the management service's group.
type Replica struct {
	*rsvc.Replica
	replicas []string
}

// Open starts the replica; every replica bootstraps the same voter set
// (the control addresses are both the raft IDs and addresses).
func Open(cfg Config) (*Replica, error) {
	if cfg.Transport == nil || cfg.DB == nil {
		return nil, fmt.Errorf("open management database: no transport or database")
	}
	var members []rsvc.Member
	for _, a := range cfg.Replicas {
		members = append(members, rsvc.Member{ID: a, Addr: a})
	}
	r, err := rsvc.Open(rsvc.Config{
		Dir: cfg.Dir, Self: rsvc.Member{ID: cfg.Transport.local, Addr: cfg.Transport.local}, Members: members,
		Transport: cfg.Transport.m.Transport(), Machine: machine{cfg.DB}, Logger: cfg.Logger,
		Timing: cfg.Timing, SnapshotThreshold: cfg.SnapshotThreshold,
	})
	if err != nil {
		return nil, fmt.Errorf("management database: %w", err)
	}
	return &Replica{Replica: r, replicas: append([]string(nil), cfg.Replicas...)}, nil
}

// Local is this replica's address.
func (r *Replica) Local() string { return r.Self().Addr }

// Replicas is the configured replica set.
func (r *Replica) Replicas() []string { return append([]string(nil), r.replicas...) }

// Leader is the current leader's address, "" when none is known.
func (r *Replica) Leader() string {
	addr, _ := r.Replica.Leader()
	return addr
}

// Apply commits a command through the log and returns its result (see
// system.Database.Apply): a refusal by the database comes back as the
// error.
func (r *Replica) Apply(ctx context.Context, c *system.Command) (any, error) {
	if c.Time.IsZero() {
		c.Time = time.Now().UTC() // the proposer's time, so replicas agree
	}
	b, err := c.Encode()
	if err != nil {
		return nil, err
	}
	res, err := r.Replica.Apply(ctx, b)
	if err != nil {
		return nil, fmt.Errorf("management command %s: %w", c.Op, err)
	}
	return res, nil
}

// machine applies logged commands to the database.
type machine struct{ db *system.Database }

func (m machine) Apply(b []byte) any {
	c, err := system.DecodeCommand(b)
	if err != nil {
		return err
	}
	return m.db.Apply(c)
}

func (m machine) Snapshot() ([]byte, error) { return m.db.Snapshot() }
func (m machine) Restore(b []byte) error    { return m.db.Restore(b) }

// LocalState is what a stopped replica's database holds.
type LocalState = rsvc.LocalState

// ErrInUse means a running server holds the database.
var ErrInUse = rsvc.ErrStoreInUse

// Inspect reads the database in dir while its server is stopped.
func Inspect(dir string) (*LocalState, error) { return rsvc.InspectLocal(dir, DBFile) }

// Recover makes local (this replica's control address) the only voter of
// the database in dir while its server is stopped, for a management
// service that lost a majority of its replicas for good. It returns the
// directory holding the copy taken first.
func Recover(dir, local string, log *slog.Logger) (backup string, err error) {
	return rsvc.RecoverLocal(dir, DBFile, rsvc.Member{ID: local, Addr: local}, machine{system.NewDatabase()}, log)
}
