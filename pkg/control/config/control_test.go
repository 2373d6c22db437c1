package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoadControl(t *testing.T) {
	for name, tc := range map[string]struct {
		doc   string
		hosts []string
		err   string
	}{
		"defaults": {doc: "", hosts: []string{"localhost:10001"}},
		"ranges, ports, dedup, sort": {doc: "port: 10002\nhostlist: ['node[1-3]', 'node2', 'login:10001', 'node10']\n",
			hosts: []string{"login:10001", "node1:10002", "node2:10002", "node3:10002", "node10:10002"}},
		"insecure": {doc: "transport_config:\n  allow_insecure: true\n  cert: ''\n", hosts: []string{"localhost:10001"}},
		"unknown key": {doc: "hostlist: [a]\nhosts: [b]\n",
			err: `daos_control.yml:2: hosts: unknown key (config contains invalid parameters)`},
		"bad range": {doc: "hostlist: [a, 'node[3-1]']\n",
			err: `daos_control.yml:1: hostlist[1]: invalid host list: "node[3-1]": range "3-1" goes backwards`},
		"empty hostlist": {doc: "hostlist: []\n",
			err: `daos_control.yml:1: hostlist: must name at least one host`},
		"hostlist not a list": {doc: "hostlist: node1\n",
			err: `daos_control.yml:1: hostlist: expected a list, got "node1"`},
		"bad port": {doc: "port: 0\n",
			err: `daos_control.yml:1: port: 0 is not a valid port (1-65535)`},
		"secure without key": {doc: "transport_config:\n  key: ''\n",
			err: `daos_control.yml:2: transport_config.key: must be set unless allow_insecure is true`},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := LoadControl(Source{Name: "daos_control.yml", Data: []byte(tc.doc)})
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.hosts, c.HostList)
			require.Equal(t, "daos_server", c.Name)
		})
	}
}

func TestFindControl(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	require.NoError(t, os.MkdirAll(home, 0o755))
	search := ControlSearchPath(home)
	require.Equal(t, []string{filepath.Join(home, ".daos_control.yml"), DefaultControlConfigPath}, search)
	search = []string{search[0], filepath.Join(dir, "etc.yml")}

	c, err := FindControl("", search)
	require.NoError(t, err)
	require.Equal(t, "", c.Path, "nothing found: defaults")
	require.Equal(t, "/etc/daos/certs/admin.crt", c.Transport.Cert)

	require.NoError(t, os.WriteFile(search[1], []byte("hostlist: [etc]\n"), 0o644))
	c, err = FindControl("", search)
	require.NoError(t, err)
	require.Equal(t, []string{"etc:10001"}, c.HostList)
	require.Equal(t, search[1], c.Path)

	require.NoError(t, os.WriteFile(search[0], []byte("hostlist: [home]\n"), 0o644))
	c, err = FindControl("", search)
	require.NoError(t, err)
	require.Equal(t, []string{"home:10001"}, c.HostList, "the user's file comes first")

	explicit := filepath.Join(dir, "mine.yml")
	require.NoError(t, os.WriteFile(explicit, []byte("hostlist: ['n[1-2]']\n"), 0o644))
	c, err = FindControl(explicit, search)
	require.NoError(t, err)
	require.Equal(t, []string{"n1:10001", "n2:10001"}, c.HostList)

	_, err = FindControl(filepath.Join(dir, "missing.yml"), search)
	require.ErrorIs(t, err, os.ErrNotExist, "an explicit -o path must exist")
}

func TestResolveControlFlags(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "daos_control.yml")
	require.NoError(t, os.WriteFile(file, []byte("port: 10002\nhostlist: [a, b, c]\n"), 0o644))

	c, err := ResolveControl(ControlFlags{ConfigPath: file, HostList: "node[2-1]"})
	require.EqualError(t, err, `--host-list: invalid host list: "node[2-1]": range "2-1" goes backwards`)
	require.Nil(t, c)

	c, err = ResolveControl(ControlFlags{ConfigPath: file, HostList: "node[3,1-2],node1,x:10001", Insecure: true})
	require.NoError(t, err)
	require.Equal(t, []string{"node1:10002", "node2:10002", "node3:10002", "x:10001"}, c.HostList,
		"-l replaces the file's hosts; the file's port is the default")
	require.True(t, c.Transport.AllowInsecure)

	c, err = ResolveControl(ControlFlags{Search: []string{filepath.Join(dir, "none.yml"), file}})
	require.NoError(t, err)
	require.Equal(t, []string{"a:10002", "b:10002", "c:10002"}, c.HostList)
	require.False(t, c.Transport.AllowInsecure)
}
