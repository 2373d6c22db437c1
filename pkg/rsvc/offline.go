package rsvc

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"go.etcd.io/bbolt"
)

// This file works on a stopped replica's store, for admin tools. It
// changes the store only through raft's own recovery call, after a
// backup, so a failed run leaves the old state beside the new.

// ErrStoreInUse means another process (a running replica) holds the
// store's lock.
var ErrStoreInUse = errors.New("the replica database is in use by another process (is the server running? stop it first)")

// snapDir is where raft's file snapshot store keeps snapshots under a
// replica's directory.
const snapDir = "snapshots"

// lockWait bounds the wait for the store's file lock: a running replica
// holds it for its whole life, so waiting longer gains nothing.
const lockWait = time.Second

// SnapshotInfo is one snapshot raft kept.
type SnapshotInfo struct {
	ID        string `json:"id"`
	Index     uint64 `json:"index"`
	Term      uint64 `json:"term"`
	SizeBytes int64  `json:"size"`
}

// LocalState is what a stopped replica's store holds.
type LocalState struct {
	Path        string `json:"db_path"`
	Exists      bool   `json:"exists"`
	FirstIndex  uint64 `json:"first_index"`
	LastIndex   uint64 `json:"last_index"`
	LastLogTerm uint64 `json:"last_log_term"`
	CurrentTerm uint64 `json:"current_term"`
	// Snapshots are newest first.
	Snapshots []SnapshotInfo `json:"snapshots"`
	// Voters is the latest replica set the store records (a logged
	// configuration change, else the newest snapshot's), committed or
	// not.
	Voters []Member `json:"voters"`
}

func openOffline(path string, readOnly bool) (*raftboltdb.BoltStore, error) {
	s, err := raftboltdb.New(raftboltdb.Options{Path: path,
		BoltOptions: &bbolt.Options{Timeout: lockWait, ReadOnly: readOnly}})
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, fmt.Errorf("%s: %w", path, ErrStoreInUse)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return s, nil
}

func offlineLogger() hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Name: "raft", Output: io.Discard, Level: hclog.Off})
}

// InspectLocal reads a stopped replica's store in dir (file "" means
// DBFile) without changing it. A missing store is not an error: Exists
// says so.
func InspectLocal(dir, file string) (*LocalState, error) {
	if file == "" {
		file = DBFile
	}
	st := &LocalState{Path: filepath.Join(dir, file), Snapshots: []SnapshotInfo{}, Voters: []Member{}}
	if _, err := os.Stat(st.Path); errors.Is(err, fs.ErrNotExist) {
		return st, nil
	} else if err != nil {
		return nil, err
	}
	st.Exists = true
	store, err := openOffline(st.Path, true)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	if st.FirstIndex, err = store.FirstIndex(); err != nil {
		return nil, err
	}
	if st.LastIndex, err = store.LastIndex(); err != nil {
		return nil, err
	}
	// A fresh store has no term key; raft's store says "not found".
	st.CurrentTerm, _ = store.GetUint64([]byte("CurrentTerm"))
	var cfg *raft.Configuration
	// The newest configuration entry wins; scan back from the end.
	for i := st.LastIndex; i >= st.FirstIndex && i > 0; i-- {
		var l raft.Log
		if err := store.GetLog(i, &l); err != nil {
			return nil, fmt.Errorf("read log entry %d: %w", i, err)
		}
		if i == st.LastIndex {
			st.LastLogTerm = l.Term
		}
		if l.Type == raft.LogConfiguration {
			c := raft.DecodeConfiguration(l.Data)
			cfg = &c
			break
		}
	}
	if _, err := os.Stat(filepath.Join(dir, snapDir)); err == nil {
		snaps, err := raft.NewFileSnapshotStoreWithLogger(dir, 2, offlineLogger())
		if err != nil {
			return nil, err
		}
		metas, err := snaps.List()
		if err != nil {
			return nil, err
		}
		for _, m := range metas {
			st.Snapshots = append(st.Snapshots, SnapshotInfo{ID: m.ID, Index: m.Index, Term: m.Term, SizeBytes: m.Size})
		}
		if len(metas) > 0 {
			if cfg == nil {
				cfg = &metas[0].Configuration
			}
			if st.LastIndex == 0 {
				st.LastIndex, st.LastLogTerm = metas[0].Index, metas[0].Term
			}
		}
	}
	if cfg != nil {
		for _, s := range cfg.Servers {
			if s.Suffrage == raft.Voter {
				st.Voters = append(st.Voters, Member{ID: string(s.ID), Addr: string(s.Address)})
			}
		}
	}
	return st, nil
}

// RecoverLocal makes self the only voter of a stopped replica's store, for
// a group that lost its majority for good: raft's RecoverCluster replays
// the log into machine (a fresh state machine, discarded afterwards),
// writes the result as a snapshot whose configuration is self alone, and
// compacts the log. Entries not yet committed when the group failed are
// kept as if committed. The store and snapshots are first copied to a
// new directory under dir, whose path is returned.
func RecoverLocal(dir, file string, self Member, machine StateMachine, log *slog.Logger) (backup string, err error) {
	if file == "" {
		file = DBFile
	}
	if log == nil {
		log = slog.Default()
	}
	path := filepath.Join(dir, file)
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("recover replica: %w", err)
	}
	store, err := openOffline(path, false)
	if err != nil {
		return "", fmt.Errorf("recover replica: %w", err)
	}
	defer func() {
		if cerr := store.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("recover replica: close %s: %w", path, cerr)
		}
	}()
	// The lock is held from here on, so the copy is of a store nobody
	// is writing.
	backup = filepath.Join(dir, "backup-"+time.Now().UTC().Format("20060102T150405.000000000Z"))
	if err := backupReplica(dir, file, backup); err != nil {
		return "", fmt.Errorf("recover replica: back up before changing it: %w", err)
	}
	log.Info("replica database backed up", "backup", backup)

	hlog := hclog.New(&hclog.LoggerOptions{Name: "raft", Output: slogWriter{log.With("component", "raft")}, Level: hclog.Warn, DisableTime: true})
	snaps, err := raft.NewFileSnapshotStoreWithLogger(dir, 2, hlog)
	if err != nil {
		return backup, fmt.Errorf("recover replica: %w", err)
	}
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(self.ID)
	rc.Logger = hlog
	_, trans := raft.NewInmemTransport(raft.ServerAddress(self.Addr))
	defer trans.Close()
	conf := raft.Configuration{Servers: []raft.Server{{Suffrage: raft.Voter, ID: raft.ServerID(self.ID), Address: raft.ServerAddress(self.Addr)}}}
	if err := raft.RecoverCluster(rc, &fsm{m: machine, max: 1 << 30}, store, store, snaps, trans, conf); err != nil {
		return backup, fmt.Errorf("recover replica (the backup in %s is untouched): %w", backup, err)
	}
	return backup, nil
}

// backupReplica copies the store file and the snapshots directory into
// to, which must not exist yet.
func backupReplica(dir, file, to string) error {
	if err := os.Mkdir(to, 0o700); err != nil {
		return err
	}
	if err := copyFile(filepath.Join(dir, file), filepath.Join(to, file)); err != nil {
		return err
	}
	src := filepath.Join(dir, snapDir)
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == src {
			return nil // no snapshot taken yet
		}
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o700)
		}
		return copyFile(p, filepath.Join(to, rel))
	})
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	// The backup is what an admin falls back on: make it durable before
	// the original changes.
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
