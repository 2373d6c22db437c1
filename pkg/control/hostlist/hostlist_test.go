package hostlist

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	for name, tc := range map[string]struct {
		expr       string
		want       []string
		compressed string
	}{
		"single":              {"localhost", []string{"localhost"}, "localhost"},
		"list":                {"b,a", []string{"a", "b"}, "a,b"},
		"range":               {"node[1-4]", []string{"node1", "node2", "node3", "node4"}, "node[1-4]"},
		"padded and extra":    {"node[01-03,7]", []string{"node01", "node02", "node03", "node7"}, "node[01-03],node7"},
		"numeric sort":        {"node10,node9,node1", []string{"node1", "node9", "node10"}, "node[1,9-10]"},
		"range crosses width": {"node[8-11]", []string{"node8", "node9", "node10", "node11"}, "node[8-11]"},
		"dedup":               {"node[1-3],node2,node[2-4]", []string{"node1", "node2", "node3", "node4"}, "node[1-4]"},
		"port":                {"host:10001", []string{"host:10001"}, "host:10001"},
		"range with port":     {"node[1-2]:10002,node3", []string{"node3", "node1:10002", "node2:10002"}, "node3,node[1-2]:10002"},
		"suffix":              {"node[1-2]-ib", []string{"node1-ib", "node2-ib"}, "node[1-2]-ib"},
		"padded vs plain":     {"node09,node9", []string{"node9", "node09"}, "node9,node09"},
		"fqdn":                {"a.example.com,b.example.com", []string{"a.example.com", "b.example.com"}, "a.example.com,b.example.com"},
		"spaces":              {" a , b ", []string{"a", "b"}, "a,b"},
		"ip":                  {"10.0.0.2,10.0.0.10", []string{"10.0.0.2", "10.0.0.10"}, "10.0.0.[2,10]"},
		"no digits mixed":     {"login,node1", []string{"login", "node1"}, "login,node1"},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := Parse(tc.expr)
			require.NoError(t, err)
			require.Equal(t, tc.want, s.Slice())
			require.Equal(t, tc.compressed, s.String())
			again, err := Parse(s.String())
			require.NoError(t, err, "compressed form must parse")
			require.Equal(t, tc.want, again.Slice())
		})
	}
}

func TestParseErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		expr string
		msg  string
	}{
		"empty":          {"", `invalid host list: empty`},
		"empty item":     {"a,,b", `invalid host list: "a,,b": empty host name in position 2`},
		"trailing comma": {"a,", `invalid host list: "a,": empty host name in position 2`},
		"unclosed":       {"node[1-2", `invalid host list: "node[1-2": [ is not closed`},
		"stray close":    {"node1-2]", `invalid host list: "node1-2]": ] without [ at offset 7`},
		"nested":         {"node[[1]]", `invalid host list: "node[[1]]": nested [ at offset 5`},
		"empty range":    {"node[]", `invalid host list: "node[]": empty range []`},
		"backwards":      {"node[3-1]", `invalid host list: "node[3-1]": range "3-1" goes backwards`},
		"open ended":     {"node[1-]", `invalid host list: "node[1-]": range "1-" must be N or N-M with decimal numbers`},
		"letters":        {"node[a-c]", `invalid host list: "node[a-c]": range "a-c" must be N or N-M with decimal numbers`},
		"empty in list":  {"node[1,,3]", `invalid host list: "node[1,,3]": range "" must be N or N-M with decimal numbers`},
		"two ranges":     {"rack[1-2]node[1-2]", `invalid host list: "rack[1-2]node[1-2]": only one [range] per host name`},
		"bad port":       {"host:port", `invalid host list: "host:port": port "port" is not a number from 1 to 65535`},
		"port zero":      {"host:0", `invalid host list: "host:0": port "0" is not a number from 1 to 65535`},
		"port too big":   {"host:70000", `invalid host list: "host:70000": port "70000" is not a number from 1 to 65535`},
		"ipv6":           {"fe80::1:10001", `invalid host list: "fe80::1:10001": more than one ':' (IPv6 addresses are not supported)`},
		"no name":        {":10001", `invalid host list: ":10001": no host name`},
		"bad char":       {"node_1/2", `invalid host list: "node_1/2": character '/' is not allowed in a host name`},
		"too many":       {"n[1-100000]", `invalid host list: "n[1-100000]" expands to more than 65536 hosts`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(tc.expr)
			require.EqualError(t, err, tc.msg)
			require.True(t, errors.Is(err, ErrSyntax))
		})
	}
}

func TestInsertKeepsSetOnError(t *testing.T) {
	s, err := Parse("a")
	require.NoError(t, err)
	require.Error(t, s.Insert("b,c[2-1]"))
	require.Equal(t, []string{"a"}, s.Slice())
	require.NoError(t, s.Insert("node[2-3]"))
	require.Equal(t, 3, s.Len())
}

func TestAddrs(t *testing.T) {
	got, err := Addrs("node[1-2],node1:10001,node3:10002", 10001)
	require.NoError(t, err)
	require.Equal(t, []string{"node1:10001", "node2:10001", "node3:10002"}, got)
}

func TestCompress(t *testing.T) {
	require.Equal(t, "node[1-3]", Compress([]string{"node3", "node1", "node2"}))
	require.Equal(t, "127.0.0.[2-3]:10001", Compress([]string{"127.0.0.3:10001", "127.0.0.2:10001"}))
	require.Equal(t, "a b,c", Compress([]string{"c", "a b"}), "a name the syntax refuses: listed as given")
}
