package pretty

import (
	"fmt"
	"io"
	"sort"
)

// HostErrors prints the hosts that failed, grouped by error, as DAOS
// tools print them under "Errors:". errs maps a host set to its error.
func HostErrors(w io.Writer, errs map[string]string) error {
	if len(errs) == 0 {
		return nil
	}
	sets := make([]string, 0, len(errs))
	for s := range errs {
		sets = append(sets, s)
	}
	sort.Strings(sets)
	rows := make([][]string, 0, len(sets))
	for _, s := range sets {
		rows = append(rows, []string{s, errs[s]})
	}
	fmt.Fprintln(w, "Errors:")
	if err := Table(w, "  ", []string{"Hosts", "Error"}, rows); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w)
	return err
}

// HostBanner prints a host set as the title of its section.
func HostBanner(w io.Writer, hosts string) { banner(w, "", hosts) }
