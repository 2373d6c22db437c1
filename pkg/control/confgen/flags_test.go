package confgen

import (
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"
)

func parse(t *testing.T, args ...string) (Options, []string, error) {
	t.Helper()
	var f Flags
	fs := pflag.NewFlagSet("generate", pflag.ContinueOnError)
	f.Register(fs)
	require.NoError(t, fs.Parse(args))
	return f.Parse()
}

func TestFlags(t *testing.T) {
	opts, notes, err := parse(t)
	require.NoError(t, err)
	require.Empty(t, notes)
	require.Equal(t, Options{MSReplicas: []string{"localhost"}, NetClass: NetClassInfiniband}, opts)

	opts, notes, err = parse(t, "-r", "node[1-3]", "-e", "2", "-s", "-c", "ethernet", "-p", "ofi+tcp", "-t",
		"-m", "/var/daos", "-f", "20000,21000")
	require.NoError(t, err)
	require.Empty(t, notes)
	require.Equal(t, Options{MSReplicas: []string{"node1", "node2", "node3"}, NumEngines: 2, SCMOnly: true,
		NetClass: NetClassEthernet, Provider: "ofi+tcp", UseTmpfsSCM: true, ControlMetadataPath: "/var/daos",
		FabricPorts: []int{20000, 21000}}, opts)

	opts, notes, err = parse(t, "-a", "x")
	require.NoError(t, err)
	require.Equal(t, []string{"--access-points is deprecated: use --ms-replicas"}, notes)
	require.Equal(t, []string{"x"}, opts.MSReplicas)
}

func TestFlagErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"both replica flags": {[]string{"-r", "a", "-a", "b"},
			"--access-points and --ms-replicas cannot both be given (--access-points is the deprecated name)"},
		"bad host list": {[]string{"-r", "node[3-1]"}, `--ms-replicas: invalid host list: "node[3-1]": range "3-1" goes backwards`},
		"even replicas": {[]string{"-r", "node[1-2]"},
			"--ms-replicas node[1-2]: 2 hosts given, the count must be odd (1, 3, 5, ...) for the replicas to elect a leader"},
		"even access points": {[]string{"-a", "a,b"},
			"--access-points a,b: 2 hosts given, the count must be odd (1, 3, 5, ...) for the replicas to elect a leader"},
		"net class":        {[]string{"-c", "token-ring"}, `--net-class "token-ring": want ethernet or infiniband`},
		"negative engines": {[]string{"-e", "-1"}, "--num-engines -1: want 0 (one engine per NUMA node that can host one) or more"},
		"port range":       {[]string{"-f", "31416,70000"}, "--fabric-ports: port 70000 is not in 1-65535"},
		"ports for engines": {[]string{"-e", "2", "-f", "31416"},
			"--fabric-ports: 1 port(s) given for --num-engines 2: give one port per engine"},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := parse(t, tc.args...)
			require.EqualError(t, err, tc.want)
		})
	}
}
