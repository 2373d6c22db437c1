package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/msdb"
	"github.com/daos-go/daos/pkg/rsvc"
)

// msCommand is `daos_server ms`: this host's management service replica
// database, read or repaired while daos_server is stopped.
func msCommand(jsonOut *bool, cf *configFlags) *cobra.Command {
	ms := &cobra.Command{
		Use:   "ms",
		Short: "Inspect or recover this host's management service database (daos_server stopped)",
		Long: `ms works on the raft database of this host's management service replica
(daos_system.db and its snapshots under control_metadata, else engine 0's
SCM mount) while daos_server is stopped. It refuses while the server runs.

There is no "ms restore": daos-go's management service takes raft's own
snapshots for log compaction but has no command that writes a snapshot file
for an admin to restore from; "ms recover" keeps a full copy of the
database before it changes anything.`,
	}
	ms.AddCommand(msStatusCommand(jsonOut, cf), msRecoverCommand(jsonOut, cf))
	return ms
}

// localReplica is this host's replica as its config describes it.
type localReplica struct {
	cfg  *config.Server
	addr controlAddr
	dir  string
}

func loadLocalReplica(cmd *cobra.Command, cf *configFlags) (*localReplica, error) {
	cfg, err := cf.load()
	if err != nil {
		return nil, err
	}
	if cfg == nil {
		return nil, errors.New("no server config to read: the management service replica is found from daos_server.yml (-o)")
	}
	addr, err := resolveControlAddr(cmd.Context(), cfg)
	if err != nil {
		return nil, err
	}
	lr := &localReplica{cfg: cfg, addr: addr}
	if addr.replica {
		if lr.dir, err = raftDir(cfg); err != nil {
			return nil, err
		}
	}
	return lr, nil
}

// checkStopped refuses when something answers on this server's control
// address: the replica opens its database only once engine storage is
// formatted, so the database lock alone does not show a running server.
func (lr *localReplica) checkStopped() error {
	c, err := net.DialTimeout("tcp", lr.addr.local, 500*time.Millisecond)
	if err != nil {
		return nil
	}
	c.Close()
	return fmt.Errorf("daos_server appears to be running (%s accepts connections): stop it on this host first", lr.addr.local)
}

// inUse turns the database's lock error into what the admin should do.
func inUse(err error) error {
	if errors.Is(err, msdb.ErrInUse) {
		return fmt.Errorf("%w; for a running system use dmg system leader-query", err)
	}
	return err
}

type msStatus struct {
	Replica     bool                `json:"replica"`
	Local       string              `json:"local_address"`
	Replicas    []string            `json:"mgmt_svc_replicas"`
	DBPath      string              `json:"db_path,omitempty"`
	Exists      bool                `json:"db_exists"`
	FirstIndex  uint64              `json:"first_index"`
	LastIndex   uint64              `json:"last_index"`
	LastLogTerm uint64              `json:"last_log_term"`
	CurrentTerm uint64              `json:"current_term"`
	Snapshots   []rsvc.SnapshotInfo `json:"snapshots"`
	Voters      []string            `json:"voters"`
}

func msStatusCommand(jsonOut *bool, cf *configFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show whether this host is a replica and what its database holds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			lr, err := loadLocalReplica(cmd, cf)
			if err != nil {
				return err
			}
			out := msStatus{Replica: lr.addr.replica, Local: lr.addr.local, Replicas: lr.cfg.MgmtSvcReplicas,
				Snapshots: []rsvc.SnapshotInfo{}, Voters: []string{}}
			if out.Replicas == nil {
				out.Replicas = []string{}
			}
			if lr.addr.replica {
				if err := lr.checkStopped(); err != nil {
					return err
				}
				st, err := msdb.Inspect(lr.dir)
				if err != nil {
					return fmt.Errorf("ms status: %w", inUse(err))
				}
				out.DBPath, out.Exists = st.Path, st.Exists
				out.FirstIndex, out.LastIndex, out.LastLogTerm, out.CurrentTerm = st.FirstIndex, st.LastIndex, st.LastLogTerm, st.CurrentTerm
				out.Snapshots = st.Snapshots
				for _, v := range st.Voters {
					out.Voters = append(out.Voters, v.Addr)
				}
			}
			return cmdutil.Printer{JSON: jsonOut, Out: cmd.OutOrStdout()}.Print(out, func(w io.Writer) error {
				return printMSStatus(w, &out)
			})
		},
	}
}

func printMSStatus(w io.Writer, s *msStatus) error {
	var b strings.Builder
	if !s.Replica {
		fmt.Fprintf(&b, "This host (%s) is not a management service replica (mgmt_svc_replicas: %s).\n",
			s.Local, strings.Join(s.Replicas, ", "))
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "Replica:      %s (mgmt_svc_replicas: %s)\n", s.Local, strings.Join(s.Replicas, ", "))
	fmt.Fprintf(&b, "Database:     %s\n", s.DBPath)
	if !s.Exists {
		b.WriteString("              does not exist yet (created when the replica first starts, after storage format)\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "Log:          entries %d-%d, last log term %d, current term %d\n", s.FirstIndex, s.LastIndex, s.LastLogTerm, s.CurrentTerm)
	fmt.Fprintf(&b, "Replica set:  %s\n", dashIfEmpty(strings.Join(s.Voters, ", ")))
	if len(s.Snapshots) == 0 {
		b.WriteString("Snapshots:    none\n")
	}
	for i, sn := range s.Snapshots {
		label := "Snapshots:   "
		if i > 0 {
			label = "             "
		}
		fmt.Fprintf(&b, "%s %s (index %d, term %d, %d bytes)\n", label, sn.ID, sn.Index, sn.Term, sn.SizeBytes)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// isTerminal tells whether r is an interactive terminal; tests replace it.
var isTerminal = func(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

type msRecoverResult struct {
	DBPath string `json:"db_path"`
	Voter  string `json:"voter"`
	Backup string `json:"backup"`
}

func msRecoverCommand(jsonOut *bool, cf *configFlags) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "recover",
		Short: "Make this replica the management service's only voter, after a majority of replicas is lost for good",
		Long: `recover rewrites this host's management service database so that this
replica is the only voter: the log is replayed into a snapshot (entries not
yet committed when the replicas failed are kept as committed), the snapshot
records this server alone as the replica set, and the log is compacted.
A copy of the database and its snapshots is written first, to a backup-*
directory beside it.

Afterwards start daos_server on this host only; it leads alone. Before any
other replica rejoins, remove its old database (it still names the old
replica set) and list the replicas in mgmt_svc_replicas again.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			lr, err := loadLocalReplica(cmd, cf)
			if err != nil {
				return err
			}
			if !lr.addr.replica {
				return fmt.Errorf("ms recover: this host (%s) is not a management service replica (mgmt_svc_replicas: %s); run it on a replica",
					lr.addr.local, strings.Join(lr.cfg.MgmtSvcReplicas, ", "))
			}
			if err := lr.checkStopped(); err != nil {
				return fmt.Errorf("ms recover: %w", err)
			}
			st, err := msdb.Inspect(lr.dir)
			if err != nil {
				return fmt.Errorf("ms recover: %w", inUse(err))
			}
			if !st.Exists {
				return fmt.Errorf("ms recover: no database at %s: nothing to recover", st.Path)
			}
			if !force {
				if err := confirm(cmd, lr.addr.local, st); err != nil {
					return err
				}
			}
			backup, err := msdb.Recover(lr.dir, lr.addr.local, nil)
			if err != nil {
				return fmt.Errorf("ms recover: %w", inUse(err))
			}
			res := msRecoverResult{DBPath: st.Path, Voter: lr.addr.local, Backup: backup}
			return cmdutil.Printer{JSON: jsonOut, Out: cmd.OutOrStdout()}.Print(res, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "Recovered %s: %s is now the only management service replica.\n"+
					"The previous database is kept in %s.\nStart daos_server on this host; remove the old databases of other replicas before they rejoin.\n",
					res.DBPath, res.Voter, res.Backup)
				return err
			})
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not ask for confirmation")
	return cmd
}

// confirm asks on a terminal; anywhere else it refuses, so a script
// cannot drop replicas without saying -f.
func confirm(cmd *cobra.Command, local string, st *msdb.LocalState) error {
	in := cmd.InOrStdin()
	if !isTerminal(in) {
		return errors.New("ms recover: this drops every other replica from the management service; rerun with -f/--force to confirm (standard input is not a terminal to ask on)")
	}
	voters := make([]string, 0, len(st.Voters))
	for _, v := range st.Voters {
		voters = append(voters, v.Addr)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "The replica set %s becomes %s alone (log up to index %d). Only do this if a majority of replicas is lost for good.\nContinue? [y/N] ",
		dashIfEmpty(strings.Join(voters, ", ")), local, st.LastIndex)
	line, _ := bufio.NewReader(in).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
		return errors.New("ms recover: not confirmed; nothing changed")
	}
	return nil
}
