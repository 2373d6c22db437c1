package pretty

import (
	"fmt"
	"io"
)

// ServerVersion is the servers' version as the management service
// reports it (attach info's build_info); server-version prints it.
type ServerVersion struct {
	Major uint32 `json:"major"`
	Minor uint32 `json:"minor"`
	Patch uint32 `json:"patch"`
	Tag   string `json:"tag,omitempty"`
}

// Print writes the one line every server-version command prints.
func (v ServerVersion) Print(w io.Writer) error {
	_, err := fmt.Fprintf(w, "daos_server version %d.%d.%d\n", v.Major, v.Minor, v.Patch)
	return err
}
