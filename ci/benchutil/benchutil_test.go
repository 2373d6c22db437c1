package benchutil

import "testing"

func TestNVMeSize(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		written int64
		engines int
		want    string
	}{
		{0, 3, "1GiB"},
		{1024 * mib, 3, "2GiB"}, // 427 MiB each
		{2457 * mib, 3, "2GiB"}, // 1023.75 MiB each
		{2458 * mib, 3, "3GiB"}, // just over 1 GiB each: rounds up to 2, plus 1
		{3900 * mib, 3, "3GiB"}, // 1625 MiB each
		{1024 * mib, 0, "3GiB"}, // no engines counted as one
		{8 << 30, 1, "11GiB"},   // 10 GiB share
	} {
		if got := NVMeSize(c.written, c.engines); got != c.want {
			t.Errorf("NVMeSize(%d MiB, %d) = %s, want %s", c.written/mib, c.engines, got, c.want)
		}
	}
}
