package config

// Component names a certificate owner; it selects transport defaults.
type Component string

// Components of a DAOS system, as named in certificates' CN.
const (
	ComponentServer Component = "server"
	ComponentAgent  Component = "agent"
	ComponentAdmin  Component = "admin"
)

// DefaultCertDir is where DAOS certificates live by default.
const DefaultCertDir = "/etc/daos/certs"

// Transport is transport_config: TLS settings for gRPC.
type Transport struct {
	AllowInsecure bool   `yaml:"allow_insecure"`
	CACert        string `yaml:"ca_cert,omitempty"`
	Cert          string `yaml:"cert,omitempty"`
	Key           string `yaml:"key,omitempty"`
	ClientCertDir string `yaml:"client_cert_dir,omitempty"`
}

// transportDefaults returns the default key/value pairs of
// transport_config for a component, keyed as viper sees them.
func transportDefaults(c Component) map[string]any {
	d := map[string]any{
		"transport_config.allow_insecure": false,
		"transport_config.ca_cert":        DefaultCertDir + "/daosCA.crt",
		"transport_config.cert":           DefaultCertDir + "/" + string(c) + ".crt",
		"transport_config.key":            DefaultCertDir + "/" + string(c) + ".key",
	}
	if c == ComponentServer {
		d["transport_config.client_cert_dir"] = DefaultCertDir + "/clients"
	}
	return d
}

// validate checks that a secure transport names its certificates. Whether
// the files exist and have safe modes is checked when they are opened.
func (t *Transport) validate() *Error {
	if t.AllowInsecure {
		return nil
	}
	for _, f := range []struct{ key, val string }{
		{"ca_cert", t.CACert}, {"cert", t.Cert}, {"key", t.Key},
	} {
		if f.val == "" {
			return keyErr(join("transport_config", f.key),
				"must be set unless allow_insecure is true")
		}
	}
	return nil
}
