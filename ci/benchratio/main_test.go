package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const sampleOutput = `goos: linux
BenchmarkCRC32C/size=4KiB/impl=isal-2   100  200.0 ns/op  20000.00 MB/s
BenchmarkCRC32C/size=4KiB/impl=isal-2   100  250.0 ns/op  16000.00 MB/s
BenchmarkCRC32C/size=4KiB/impl=isal-2   100  300.0 ns/op  13000.00 MB/s
BenchmarkCRC32C/size=4KiB/impl=go-2     100  400.0 ns/op  10000.00 MB/s
BenchmarkCRC32C/size=4KiB/impl=go-2     100  400.0 ns/op   8000.00 MB/s
BenchmarkPing/impl=ofi-2                100  50000 ns/op
BenchmarkPing/impl=gotcp-2              100  25000 ns/op
PASS
`

func TestRatiosUseMediansAndDirection(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{
		"-pair", "crc32c_4k=BenchmarkCRC32C/size=4KiB:isal:go",
		"-pair", "ping=BenchmarkPing:ofi:gotcp",
	}, strings.NewReader(sampleOutput), &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	// isal median 16000 over go median 9000.
	require.Contains(t, out.String(), "ratio crc32c_4k 1.778\n")
	// Time only: twice as slow is 0.5.
	require.Contains(t, out.String(), "ratio ping 0.500\n")
	require.Regexp(t, `BenchmarkCRC32C/size=4KiB/impl=isal +3 +250 +16000`, out.String())
}

func TestMissingPairFails(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"-pair", "x=BenchmarkNope:a:b"}, strings.NewReader(sampleOutput), &out, &errOut)
	require.Equal(t, 1, code)
	require.Contains(t, errOut.String(), "did not run")
}

func TestBadPairAndEmptyInput(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 2, run([]string{"-pair", "nocolons"}, strings.NewReader(sampleOutput), &out, &errOut))
	require.Equal(t, 1, run(nil, strings.NewReader("PASS\n"), &out, &errOut))
	require.Contains(t, errOut.String(), "no benchmark results")
}
