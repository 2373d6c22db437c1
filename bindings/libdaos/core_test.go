package main

import (
	"runtime"
	"testing"
)

func TestSetMaxProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, c := range []struct {
		env  string
		want int
	}{
		{"", 1},
		{"3", 3},
		{" 2 ", 2},
		{"0", 1},
		{"-4", 1},
		{"many", 1},
	} {
		setMaxProcs(c.env)
		if got := runtime.GOMAXPROCS(0); got != c.want {
			t.Errorf("GOMAXPROCS=%q: %d processors, want %d", c.env, got, c.want)
		}
	}
}
