package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/pretty"
	"github.com/daos-go/daos/pkg/vos"
)

type spaceReply struct {
	SCMTotal        uint64 `json:"scm_total"`
	SCMUsed         uint64 `json:"scm_used"`
	NVMeTotal       uint64 `json:"nvme_total"`
	NVMeUsed        uint64 `json:"nvme_used"`
	JournalBytes    int64  `json:"journal_bytes"`
	JournalUsed     int64  `json:"journal_used"`
	Checkpoint      bool   `json:"checkpoint"`
	CheckpointBytes int64  `json:"checkpoint_bytes"`
}

func spaceCommand(jsonOut *bool) *cobra.Command {
	return &cobra.Command{
		Use:   "space <pool-dir>",
		Short: "Show SCM, NVMe, journal and checkpoint usage",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withPool(cmd.Context(), args[0], readOnly, func(p *vos.Pool) error {
				st, err := p.StoreInfo()
				if err != nil {
					return err
				}
				s := p.Space()
				r := &spaceReply{SCMTotal: s.SCMTotal, SCMUsed: s.SCMUsed, NVMeTotal: s.NVMeTotal, NVMeUsed: s.NVMeUsed,
					JournalBytes: st.JournalBytes, JournalUsed: st.JournalUsed, Checkpoint: st.Checkpoint, CheckpointBytes: st.CheckpointBytes}
				return printer(cmd, jsonOut).Print(r, r.text)
			})
		},
	}
}

func (r *spaceReply) text(w io.Writer) error {
	ckpt := "none"
	if r.Checkpoint {
		ckpt = pretty.Bytes(uint64(r.CheckpointBytes))
	}
	_, err := fmt.Fprintf(w, "SCM:        %s\nNVMe:       %s\nJournal:    %s\nCheckpoint: %s\n",
		pretty.Usage(r.SCMUsed, r.SCMTotal), pretty.Usage(r.NVMeUsed, r.NVMeTotal),
		pretty.Usage(uint64(r.JournalUsed), uint64(r.JournalBytes)), ckpt)
	return err
}
