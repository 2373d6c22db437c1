package main

import (
	"testing"
	"time"
)

func TestPositional(t *testing.T) {
	o := &opts{}
	if err := o.positional([]string{"/mnt/x", "P", "C"}); err != nil || o.mountpoint != "/mnt/x" || o.pool != "P" || o.cont != "C" {
		t.Fatalf("positional form: %+v, %v", o, err)
	}
	o = &opts{mountpoint: "/mnt/x", pool: "P", cont: "C"}
	if err := o.positional(nil); err != nil {
		t.Fatalf("flag form: %v", err)
	}
	o = &opts{pool: "P"}
	if err := o.positional([]string{"/mnt/x", "Q", "C"}); err == nil {
		t.Fatal("pool given twice with different values was accepted")
	}
	o = &opts{}
	if err := o.positional([]string{"/mnt/x", "P"}); err == nil {
		t.Fatal("missing container was accepted")
	}
	o = &opts{threadCount: -1}
	if err := o.positional([]string{"/mnt/x", "P", "C"}); err == nil {
		t.Fatal("negative thread count was accepted")
	}
}

func TestParseTime(t *testing.T) {
	for in, want := range map[string]time.Duration{"5": 5 * time.Second, "0": 0, "1500ms": 1500 * time.Millisecond, " 2s ": 2 * time.Second} {
		if got, err := parseTime(in); err != nil || got != want {
			t.Errorf("parseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1s", "soon"} {
		if _, err := parseTime(in); err == nil {
			t.Errorf("parseTime(%q) accepted", in)
		}
	}
}
