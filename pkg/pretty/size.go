package pretty

import "fmt"

// Bytes writes a size with a binary prefix: "512 B", "16 KiB", "1.5 MiB".
// A size that is not a whole number of its unit keeps one decimal even
// when it rounds to one ("1.0 MiB"), so that it is not mistaken for exact.
// It is for people, not for parsing.
func Bytes(n uint64) string {
	iecUnits := [...]string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	unit := 0
	for n>>(10*(unit+1)) > 0 && unit < len(iecUnits)-1 {
		unit++
	}
	scale := uint64(1) << (10 * unit)
	if n%scale == 0 {
		return fmt.Sprintf("%d %s", n/scale, iecUnits[unit])
	}
	return fmt.Sprintf("%.1f %s", float64(n)/float64(scale), iecUnits[unit])
}

// Usage writes "<used> used of <total> (<percent>%)"; a total of 0 writes
// "none", for a tier or file that does not exist.
func Usage(used, total uint64) string {
	if total == 0 {
		return "none"
	}
	return fmt.Sprintf("%s used of %s (%.0f%%)", Bytes(used), Bytes(total), 100*float64(used)/float64(total))
}
