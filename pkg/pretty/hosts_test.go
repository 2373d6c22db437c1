package pretty

import (
	"bytes"
	"testing"
)

func TestHostErrors(t *testing.T) {
	var b bytes.Buffer
	if err := HostErrors(&b, map[string]string{"b:1": "down", "a:1": "refused"}); err != nil {
		t.Fatal(err)
	}
	want := "Errors:\n  Hosts Error   \n  ----- -----   \n  a:1   refused \n  b:1   down    \n\n"
	if b.String() != want {
		t.Fatalf("got %q\nwant %q", b.String(), want)
	}
	b.Reset()
	HostErrors(&b, nil)
	if b.Len() != 0 {
		t.Fatalf("no errors printed %q", b.String())
	}
}
