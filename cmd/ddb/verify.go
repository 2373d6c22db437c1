package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/vos"
)

type verifyReply struct {
	Checked  int          `json:"checked"`
	Bad      int          `json:"bad"`
	Failures []verifyFail `json:"failures"`
}

type verifyFail struct {
	Path  string `json:"path"`
	Error string `json:"error"`
}

func verifyCommand(jsonOut *bool) *cobra.Command {
	return &cobra.Command{
		Use:   "verify <pool-dir>",
		Short: "Check a pool: its files at open, then every stored version",
		Long: `Open the pool, which checks its header, checkpoint and journal, then read
every stored version of every value (punched and uncommitted ones too),
which checks the CRC of each NVMe extent. Each failure is printed with its
path; any failure makes the exit code 1.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withPool(cmd.Context(), args[0], readOnly, func(p *vos.Pool) error {
				r := &verifyReply{Failures: []verifyFail{}}
				var errs []error
				checked, bad, err := p.VerifyAll(cmd.Context(), func(path string, err error) {
					r.Failures = append(r.Failures, verifyFail{Path: path, Error: err.Error()})
					errs = append(errs, fmt.Errorf("%s: %w", path, err))
				})
				if err != nil {
					return err
				}
				r.Checked, r.Bad = checked, bad
				return reportVerify(cmd, jsonOut, args[0], r, errs)
			})
		},
	}
}

// reportVerify prints the result. A damaged pool is an error so that the
// exit code says so. In text mode the failures go to stdout and the error
// is the summary; --json, whose envelope carries a reply or an error but
// not both, puts every failure in the error.
func reportVerify(cmd *cobra.Command, jsonOut *bool, dir string, r *verifyReply, errs []error) error {
	summary := fmt.Sprintf("%d versions checked, %d bad", r.Checked, r.Bad)
	if r.Bad > 0 && *jsonOut {
		return fmt.Errorf("verify %s: %s: %w", dir, summary, errors.Join(errs...))
	}
	if err := printer(cmd, jsonOut).Print(r, func(w io.Writer) error { return r.text(w, summary) }); err != nil {
		return err
	}
	if r.Bad == 0 {
		return nil
	}
	// The failures are on stdout already; the error repeats only the
	// summary, with the first failure's DAOS code (DER_CSUM, DER_NVME_IO...).
	if code := daos.Code(errs[0]); code != daos.ErrUnknown {
		return daos.Errorf(code, "verify %s: %s", dir, summary)
	}
	return fmt.Errorf("verify %s: %s", dir, summary)
}

func (r *verifyReply) text(w io.Writer, summary string) error {
	for _, f := range r.Failures {
		fmt.Fprintf(w, "%s: %s\n", f.Path, f.Error)
	}
	_, err := fmt.Fprintln(w, summary)
	return err
}
