package support

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/pflag"
)

// Request is what the collect-log flags ask for.
type Request struct {
	TargetFolder string
	ExtraLogsDir string
	LogTypes     string
	StartDate    string
	EndDate      string
	StartTime    string
	EndTime      string
	StopOnError  bool
	Archive      bool
	// TransferArgs go to support_config.file_transfer_exec (dmg only).
	TransferArgs string
}

// BindFlags adds the collect-log flags shared by the three commands;
// dmg adds -T/--transfer-args with transfer. stopShort is -s's letter,
// "" where a global flag holds it already (daos_agent's -s/--runtime_dir).
func BindFlags(fs *pflag.FlagSet, r *Request, transfer bool, stopShort string) {
	fs.StringVarP(&r.TargetFolder, "target-folder", "t", "", "folder to collect into, new or empty (default /tmp/daos_support_<host>_<time>)")
	fs.StringVarP(&r.ExtraLogsDir, "extra-logs-dir", "c", "", "also copy this directory's files (symbolic links are not followed)")
	fs.StringVarP(&r.LogTypes, "log-type", "e", "", "logs to collect, comma-separated: admin, control, server (default all)")
	fs.StringVarP(&r.StartDate, "start-date", "D", "", "keep log lines from this date, MM-DD-YYYY")
	fs.StringVarP(&r.EndDate, "end-date", "F", "", "keep log lines up to this date, MM-DD-YYYY")
	fs.StringVarP(&r.StartTime, "log-start-time", "S", "", "keep log lines from this time, HH:MM:SS (today unless -D)")
	fs.StringVarP(&r.EndTime, "log-end-time", "E", "", "keep log lines up to this time, HH:MM:SS (today unless -F)")
	fs.BoolVarP(&r.StopOnError, "stop-on-error", stopShort, false, "stop at the first item that cannot be collected")
	fs.BoolVarP(&r.Archive, "archive", "z", false, "also write the folder as <folder>.tar.gz")
	if transfer {
		fs.StringVarP(&r.TransferArgs, "transfer-args", "T", "", "arguments for the servers' support_config.file_transfer_exec")
	}
}

// Parse checks the log types and the window (in local time).
func (r Request) Parse(now time.Time) (LogTypes, Window, error) {
	types, err := ParseLogTypes(r.LogTypes)
	if err != nil {
		return LogTypes{}, Window{}, err
	}
	win, err := ParseWindow(r.StartDate, r.EndDate, r.StartTime, r.EndTime, now, time.Local)
	return types, win, err
}

// Report is what a local collection did.
type Report struct {
	Host    string `json:"host"`
	Archive string `json:"archive,omitempty"`
	*Result
}

// Local runs a collection on this host into the request's folder and
// archives it when asked. items builds the list for the chosen log types.
func Local(ctx context.Context, r Request, host string, items func(LogTypes) []Item) (*Report, error) {
	now := time.Now()
	types, win, err := r.Parse(now)
	if err != nil {
		return nil, err
	}
	target, isDefault := r.TargetFolder, r.TargetFolder == ""
	if isDefault {
		target = DefaultTarget(os.TempDir(), host, now)
	}
	if err := PrepareTarget(target, isDefault); err != nil {
		return nil, err
	}
	res, err := Collect(ctx, target, items(types), Options{Window: win, StopOnError: r.StopOnError})
	rep := &Report{Host: host, Result: res}
	if err != nil {
		return rep, err
	}
	if r.Archive {
		if rep.Archive, err = Archive(target); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// Print writes a report for an admin.
func (rep *Report) Print(w io.Writer) error {
	fmt.Fprintf(w, "%s: collected %d files (%d bytes) into %s\n", rep.Host, len(rep.Files), rep.Bytes, rep.Dir)
	if rep.Archive != "" {
		fmt.Fprintf(w, "archive: %s\n", rep.Archive)
	}
	for _, f := range rep.Failures {
		fmt.Fprintf(w, "not collected: %s: %s\n", f.Name, f.Err)
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	_, err := fmt.Fprintf(w, "summary: %s/%s\n", rep.Dir, SummaryName)
	return err
}
