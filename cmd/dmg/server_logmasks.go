package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/engine/logmask"
	"github.com/daos-go/daos/pkg/pretty"
)

// logMaskCaller is the call `server set-logmasks` makes; the fan-out
// client has it.
type logMaskCaller interface {
	SetEngineLogMasks(ctx context.Context, req *ctlpb.SetLogMasksReq) []ctlclient.HostResult[*ctlpb.SetLogMasksResp]
}

func serverCommand(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "server", Short: "Act on the servers' engines"}
	c.AddCommand(setLogMasksCommand(g))
	return c
}

// engineMasks is one engine's outcome in the JSON host map.
type engineMasks struct {
	Index      uint32 `json:"engine_index"`
	Masks      string `json:"masks,omitempty"`
	Streams    string `json:"streams,omitempty"`
	Subsystems string `json:"subsystems,omitempty"`
	Status     int32  `json:"status"`
	Error      string `json:"error,omitempty"`
}

type logMaskGroup struct {
	Hosts   string        `json:"hosts"`
	Engines []engineMasks `json:"engines"`
}

func setLogMasksCommand(g *globals) *cobra.Command {
	var masks, streams, subsystems string
	cmd := &cobra.Command{
		Use:     "set-logmasks",
		Aliases: []string{"slm"},
		Short:   "Change the log masks of the hosts' running engines",
		Long: `set-logmasks changes the log masks of every running engine of the hosts in
the host list, until the engine restarts or the masks are set again.
--masks has log_mask's form: a level, then optional subsystem=LEVEL items
(e.g. ERR,mgmt=DEBUG). Levels: DEBUG|DBUG, INFO, NOTE, WARN, ERR|ERROR,
CRIT, ALRT, EMRG|FATAL, EMIT. Subsystems the engine knows: mgmt, pool, rdb,
rpc.

--streams (DD_MASK) and --subsystems (DD_SUBSYS) are stored and reported
by the engines but change nothing logged: daos-go has no debug streams.

Without --masks (or --streams, --subsystems) the engines go back to their
configured values: log_mask, or D_LOG_MASK from env_vars, and DD_MASK,
DD_SUBSYS. An engine that is not running is reported as an error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Checked here so that a typo reaches no engine.
			if masks != "" {
				if _, err := logmask.Parse(masks); err != nil {
					return fmt.Errorf("--masks: %w", err)
				}
			}
			if err := logmask.CheckStreams(streams); err != nil {
				return fmt.Errorf("--streams %w", err)
			}
			if err := logmask.CheckSubsystems(subsystems); err != nil {
				return fmt.Errorf("--subsystems %w", err)
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			lc, ok := c.(logMaskCaller)
			if !ok {
				return errors.New("server set-logmasks: this client cannot set log masks")
			}
			res := lc.SetEngineLogMasks(cmd.Context(), &ctlpb.SetLogMasksReq{Masks: masks, Streams: streams, Subsystems: subsystems})
			return printLogMasks(cmd, g, res)
		},
	}
	cmd.Flags().StringVarP(&masks, "masks", "m", "", "log mask, e.g. ERR,mgmt=DEBUG (default: each engine's configured log_mask)")
	cmd.Flags().StringVarP(&streams, "streams", "d", "", "DD_MASK debug streams, e.g. mgmt,io (stored and reported only)")
	cmd.Flags().StringVarP(&subsystems, "subsystems", "s", "", "DD_SUBSYS debug subsystems, e.g. pool,mgmt (stored and reported only)")
	// -d is --streams here, as in DAOS; the global --debug is redeclared
	// without its shorthand so the two do not clash.
	cmd.Flags().BoolVar(&g.debug, "debug", false, "log what dmg does at DEBUG level")
	cmd.Flags().Lookup("debug").Hidden = true
	return cmd
}

// printLogMasks groups hosts with the same outcome; engines that failed
// are host errors.
func printLogMasks(cmd *cobra.Command, g *globals, res []ctlclient.HostResult[*ctlpb.SetLogMasksResp]) error {
	groups, errs := collect(res, func(r *ctlpb.SetLogMasksResp) string {
		b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(r)
		return string(b)
	})
	hostMap := map[string]logMaskGroup{}
	var rows [][]string
	for _, gr := range groups {
		set := groupHosts(gr.hosts)
		lg := logMaskGroup{Hosts: set, Engines: []engineMasks{}}
		var failed []string
		for _, e := range gr.resp.Engines {
			lg.Engines = append(lg.Engines, engineMasks{Index: e.Index, Masks: e.Masks, Streams: e.Streams,
				Subsystems: e.Subsystems, Status: e.Status, Error: e.Error})
			if e.Status != 0 || e.Error != "" {
				failed = append(failed, e.Error)
				continue
			}
			rows = append(rows, []string{set, fmt.Sprint(e.Index), e.Masks, dash(e.Streams), dash(e.Subsystems)})
		}
		if len(failed) > 0 {
			// Groups' host sets are disjoint, so the set is a unique key.
			errs[set] = hostError{Hosts: set, Error: strings.Join(failed, "; ")}
		}
		hostMap[set] = lg
	}
	resp := map[string]any{"host_errors": errs, "host_log_masks": hostMap}
	return output(cmd, g, resp, errs, func(w io.Writer) error {
		if len(rows) == 0 {
			return nil
		}
		fmt.Fprintln(w, "Engine log masks:")
		err := pretty.Table(w, "  ", []string{"Hosts", "Engine", "Masks", "Streams", "Subsystems"}, rows)
		fmt.Fprintln(w)
		return err
	})
}
