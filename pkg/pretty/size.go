package pretty

import (
	"fmt"
	"math"
)

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

// SIBytes writes a size in powers of 1000 ("1.5 GB", "86 MB"), as DAOS's
// tools print pool and tier sizes.
func SIBytes(n uint64) string {
	if n < 10 {
		return fmt.Sprintf("%d B", n)
	}
	units := []string{"B", "kB", "MB", "GB", "TB", "PB", "EB"}
	e := math.Floor(math.Log(float64(n)) / math.Log(1000))
	v := math.Floor(float64(n)/math.Pow(1000, e)*10+0.5) / 10
	if v < 10 {
		return fmt.Sprintf("%.1f %s", v, units[int(e)])
	}
	return fmt.Sprintf("%.0f %s", v, units[int(e)])
}
