package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/support"
)

// adminDir is the admin node's part of a system collection.
const adminDir = "admin"

// collectLogOutput is `dmg support collect-log`'s reply.
type collectLogOutput struct {
	Target  string                                              `json:"target"`
	Archive string                                              `json:"archive,omitempty"`
	Admin   *support.Result                                     `json:"admin,omitempty"`
	Hosts   []ctlclient.HostResult[*ctlclient.CollectLogResult] `json:"-"`
	Servers []*ctlclient.CollectLogResult                       `json:"servers"`
}

func supportCommand(g *globals) *cobra.Command {
	sup := &cobra.Command{Use: "support", Short: "Gather what DAOS support needs from the whole system"}
	var req support.Request
	collect := &cobra.Command{
		Use:   "collect-log",
		Short: "Collect every server's config, logs and information, and the admin's view, into one folder",
		Long: `collect-log asks each server (-l, else the config's hostlist) for what
daos_server support collect-log gathers and writes it under
<target>/<host>/, streamed back over the control connection (at most
1 GiB per host), unless the servers set support_config.file_transfer_exec:
then each server runs that program with -T's arguments, its collected
folder and <target>/<host> and copies the files itself. With the admin log
type, <target>/` + adminDir + `/ gets this dmg config and the output of
system query, system leader-query and pool list. Items that cannot be
collected are listed in each part's ` + support.SummaryName + `.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCollectLog(cmd, g, req)
		},
	}
	support.BindFlags(collect.Flags(), &req, true, "s")
	sup.AddCommand(collect)
	return sup
}

func runCollectLog(cmd *cobra.Command, g *globals, req support.Request) error {
	now := time.Now()
	types, _, err := req.Parse(now)
	if err != nil {
		return err
	}
	cfg, err := g.config()
	if err != nil {
		return err
	}
	c, err := g.newClient(cfg)
	if err != nil {
		return err
	}
	target, isDefault := req.TargetFolder, req.TargetFolder == ""
	if isDefault {
		host, _ := os.Hostname()
		target = support.DefaultTarget(os.TempDir(), host, now)
	}
	if target, err = filepath.Abs(target); err != nil {
		return err
	}
	if err := support.PrepareTarget(target, isDefault); err != nil {
		return err
	}
	out := &collectLogOutput{Target: target}
	if types.Admin {
		var items []support.Item
		if cfg.Path != "" {
			items = append(items, support.Item{Name: "config/" + filepath.Base(cfg.Path), File: cfg.Path})
		}
		items = append(items, dmgItem(g, "system-query.txt", "system", "query", "-v"),
			dmgItem(g, "system-leader-query.txt", "system", "leader-query"),
			dmgItem(g, "pool-list.txt", "pool", "list", "-v"))
		dir := filepath.Join(target, adminDir)
		if err := os.Mkdir(dir, 0o750); err != nil {
			return err
		}
		if out.Admin, err = support.Collect(cmd.Context(), dir, items, support.Options{StopOnError: req.StopOnError}); err != nil {
			return err
		}
	}
	creq := &ctlpb.CollectLogReq{ExtraLogsDir: req.ExtraLogsDir, LogTypes: types.String(), StartDate: req.StartDate,
		EndDate: req.EndDate, StartTime: req.StartTime, EndTime: req.EndTime, StopOnError: req.StopOnError,
		TransferArgs: req.TransferArgs}
	out.Hosts = c.CollectLog(cmd.Context(), creq, func(host string) string {
		return filepath.Join(target, support.HostDir(host))
	}, ctlclient.DefaultCollectLogMaxBytes)
	for _, h := range out.Hosts {
		if h.Err == nil {
			out.Servers = append(out.Servers, h.Resp)
		}
	}
	_, errs := collect(out.Hosts, func(*ctlclient.CollectLogResult) string { return "" })
	if req.Archive && (len(errs) == 0 || !req.StopOnError) {
		if out.Archive, err = support.Archive(target); err != nil {
			return err
		}
	}
	return output(cmd, g, out, errs, func(w io.Writer) error { return printCollectLog(w, out) })
}

// dmgItem runs a dmg command of this process, with the same config and
// host flags, into the admin part.
func dmgItem(g *globals, name string, args ...string) support.Item {
	return support.Item{Name: name, Run: func(ctx context.Context, w io.Writer) error {
		var global []string
		if g.configPath != "" {
			global = append(global, "-o", g.configPath)
		}
		if g.hostList != "" {
			global = append(global, "-l", g.hostList)
		}
		if g.insecure {
			global = append(global, "-i")
		}
		var stderr bytes.Buffer
		root := newRoot()
		root.SetContext(ctx)
		if code := cmdutil.Execute(root, append(global, args...), w, &stderr); code != 0 {
			return fmt.Errorf("dmg %v: exit %d: %s", args, code, bytes.TrimSpace(stderr.Bytes()))
		}
		return nil
	}}
}

func printCollectLog(w io.Writer, out *collectLogOutput) error {
	if out.Admin != nil {
		fmt.Fprintf(w, "admin: %d files (%d bytes), %d not collected\n", len(out.Admin.Files), out.Admin.Bytes, len(out.Admin.Failures))
		for _, f := range out.Admin.Failures {
			fmt.Fprintf(w, "  not collected: %s: %s\n", f.Name, f.Err)
		}
	}
	for _, h := range out.Hosts {
		switch {
		case h.Err != nil:
		case h.Resp.TransferredBy != "":
			fmt.Fprintf(w, "%s: copied by %s into %s\n", h.Host, h.Resp.TransferredBy, h.Resp.Dir)
		default:
			fmt.Fprintf(w, "%s: %d files (%d bytes) into %s\n", h.Host, len(h.Resp.Files), h.Resp.Bytes, h.Resp.Dir)
		}
	}
	fmt.Fprintf(w, "target: %s\n", out.Target)
	if out.Archive != "" {
		fmt.Fprintf(w, "archive: %s\n", out.Archive)
	}
	return nil
}
