package config

// Defaults of daos_server.yml, as in DAOS.
const (
	DefaultServerConfigPath = "/etc/daos/daos_server.yml"
	DefaultSystemName       = "daos_server"
	DefaultControlPort      = 10001
	DefaultSocketDir        = "/var/run/daos_server"
	DefaultControlLogMask   = "INFO"
	DefaultEngineLogMask    = "ERR"
	DefaultCoreDumpFilter   = 0x13
	// DefaultAutoRestartMinDelay is engine_auto_restart_min_delay, seconds.
	DefaultAutoRestartMinDelay = 300
	// MaxSystemNameLen is DAOS_SYS_NAME_MAX.
	MaxSystemNameLen = 15
	// MinRAMDiskGiB is the smallest ram-class SCM DAOS accepts.
	MinRAMDiskGiB = 4
	// DefaultTelemetryPort is what the example configs and config generate
	// use; the key itself defaults to 0 (disabled).
	DefaultTelemetryPort = 9191
	// DefaultFabricPort is the first engine's fabric_iface_port in
	// generated configs; engine i uses DefaultFabricPort + 1000*i.
	DefaultFabricPort = 31416
)

// Fabric holds the fabric keys that may be given at the top level of
// daos_server.yml and in each engine; an engine's own values win.
type Fabric struct {
	Provider                   string `yaml:"provider,omitempty"`
	Interface                  string `yaml:"fabric_iface,omitempty"`
	InterfacePort              int    `yaml:"fabric_iface_port,omitempty"`
	BypassHealthChk            *bool  `yaml:"bypass_health_chk,omitempty"`
	CrtTimeout                 int    `yaml:"crt_timeout,omitempty"` // seconds
	DisableSRX                 bool   `yaml:"disable_srx,omitempty"`
	AuthKey                    string `yaml:"fabric_auth_key,omitempty"`
	SecondaryProviderEndpoints []int  `yaml:"secondary_provider_endpoints,omitempty"`
}

// ControlMetadata is where the control plane keeps its data when storage
// metadata lives on SSD (MD-on-SSD).
type ControlMetadata struct {
	Path                  string `yaml:"path,omitempty"`
	Device                string `yaml:"device,omitempty"`
	AllowSpdkConfOverride bool   `yaml:"allow_spdk_conf_override,omitempty"`
}

// SupportConfig configures `dmg support collect-log`.
type SupportConfig struct {
	FileTransferExec string `yaml:"file_transfer_exec,omitempty"`
}

// Server is the content of daos_server.yml.
type Server struct {
	Name            string    `yaml:"name"`
	Port            int       `yaml:"port"`
	ControlIface    string    `yaml:"control_iface,omitempty"`
	MgmtSvcReplicas []string  `yaml:"mgmt_svc_replicas,omitempty"`
	AccessPoints    []string  `yaml:"access_points,omitempty"` // deprecated alias
	Transport       Transport `yaml:"transport_config"`
	Fabric          `yaml:",inline"`

	SocketDir       string           `yaml:"socket_dir,omitempty"`
	FaultPath       string           `yaml:"fault_path,omitempty"`
	FaultCb         string           `yaml:"fault_cb,omitempty"`
	ControlMetadata *ControlMetadata `yaml:"control_metadata,omitempty"`
	BdevExclude     []string         `yaml:"bdev_exclude,omitempty"`
	DisableVFIO     bool             `yaml:"disable_vfio,omitempty"`
	DisableVMD      bool             `yaml:"disable_vmd,omitempty"`
	DisableHotplug  *bool            `yaml:"disable_hotplug,omitempty"`
	EnableHotplug   *bool            `yaml:"enable_hotplug,omitempty"` // deprecated inverse

	NrHugepages        int    `yaml:"nr_hugepages,omitempty"`
	DisableHugepages   bool   `yaml:"disable_hugepages,omitempty"`
	AllowNumaImbalance bool   `yaml:"allow_numa_imbalance,omitempty"`
	AllowTHP           bool   `yaml:"allow_thp,omitempty"`
	KernelConfigPath   string `yaml:"kernel_config_path,omitempty"`
	// SystemRAMReserved is in GiB; nil means the daos-go default,
	// min(64 GiB, a quarter of MemTotal).
	SystemRAMReserved *int `yaml:"system_ram_reserved,omitempty"`

	ControlLogMask        string   `yaml:"control_log_mask,omitempty"`
	ControlLogFile        string   `yaml:"control_log_file,omitempty"`
	ControlLogJSON        bool     `yaml:"control_log_json,omitempty"`
	HelperLogFile         string   `yaml:"helper_log_file,omitempty"`
	FirmwareHelperLogFile string   `yaml:"firmware_helper_log_file,omitempty"` // deprecated
	TelemetryPort         int      `yaml:"telemetry_port,omitempty"`
	CoreDumpFilter        int      `yaml:"core_dump_filter,omitempty"`
	ClientEnvVars         []string `yaml:"client_env_vars,omitempty"`
	Hyperthreads          bool     `yaml:"hyperthreads,omitempty"`

	DisableEngineAutoRestart  bool           `yaml:"disable_engine_auto_restart,omitempty"`
	EngineAutoRestartMinDelay int            `yaml:"engine_auto_restart_min_delay,omitempty"`
	SupportConfig             *SupportConfig `yaml:"support_config,omitempty"`

	Engines []*Engine `yaml:"engines"`

	notices []string // set by Validate
}

// BdevAutoFaulty configures automatic eviction of failing NVMe devices.
type BdevAutoFaulty struct {
	Enable      *bool `yaml:"enable,omitempty"`
	MaxIOErrs   int   `yaml:"max_io_errs,omitempty"`
	MaxCsumErrs int64 `yaml:"max_csum_errs,omitempty"`
}

// SpdkIobuf sizes SPDK's I/O buffer pools.
type SpdkIobuf struct {
	SmallPoolCount int `yaml:"small_pool_count,omitempty"`
	LargePoolCount int `yaml:"large_pool_count,omitempty"`
}

// Acceleration selects an offload engine for CRC and copies.
type Acceleration struct {
	Engine  string   `yaml:"engine,omitempty"`
	Options []string `yaml:"options,omitempty"`
}

// SpdkRPCServer enables SPDK's JSON-RPC listener in the engine.
type SpdkRPCServer struct {
	Enable   bool   `yaml:"enable,omitempty"`
	SockAddr string `yaml:"sock_addr,omitempty"`
}

// Engine is one entry of engines: in daos_server.yml.
type Engine struct {
	Targets        int  `yaml:"targets"`
	HelperStreams  int  `yaml:"nr_xs_helpers"`
	FirstCore      *int `yaml:"first_core,omitempty"`
	PinnedNumaNode *int `yaml:"pinned_numa_node,omitempty"`
	Fabric         `yaml:",inline"`

	LogMask        string   `yaml:"log_mask,omitempty"`
	LogFile        string   `yaml:"log_file,omitempty"`
	EnvVars        []string `yaml:"env_vars,omitempty"`
	EnvPassThrough []string `yaml:"env_pass_through,omitempty"`
	Modules        string   `yaml:"modules,omitempty"`

	Storage []*Tier `yaml:"storage"`

	BdevAutoFaulty *BdevAutoFaulty `yaml:"bdev_auto_faulty,omitempty"`
	SpdkIobuf      *SpdkIobuf      `yaml:"spdk_iobuf,omitempty"`
	Acceleration   *Acceleration   `yaml:"acceleration,omitempty"`
	SpdkRPCServer  *SpdkRPCServer  `yaml:"spdk_rpc_server,omitempty"`
}

// Storage classes of a tier.
const (
	ClassRAM    = "ram"
	ClassDCPM   = "dcpm"
	ClassNVMe   = "nvme"
	ClassFile   = "file"
	ClassKdev   = "kdev"
	ClassMalloc = "malloc" // removed in DAOS 2.0; rejected
)

// Bdev roles of MD-on-SSD.
const (
	RoleWAL  = "wal"
	RoleMeta = "meta"
	RoleData = "data"
)

// Tier is one entry of an engine's storage: list. Sizes are GiB.
type Tier struct {
	Class                string   `yaml:"class"`
	ScmMount             string   `yaml:"scm_mount,omitempty"`
	ScmSize              int      `yaml:"scm_size,omitempty"`
	ScmList              []string `yaml:"scm_list,omitempty"`
	ScmHugepagesDisabled *bool    `yaml:"scm_hugepages_disabled,omitempty"`
	BdevList             []string `yaml:"bdev_list,omitempty"`
	BdevSize             int      `yaml:"bdev_size,omitempty"`
	BdevBusidRange       string   `yaml:"bdev_busid_range,omitempty"`
	BdevRoles            []string `yaml:"bdev_roles,omitempty"`
	BdevNumber           int      `yaml:"bdev_number,omitempty"` // legacy, ignored
}

// IsSCM says whether the tier is storage-class memory (tier 0).
func (t *Tier) IsSCM() bool { return t.Class == ClassRAM || t.Class == ClassDCPM }

// IsBdev says whether the tier is a block-device tier.
func (t *Tier) IsBdev() bool {
	return t.Class == ClassNVMe || t.Class == ClassFile || t.Class == ClassKdev
}

// ContextCount is the number of fabric contexts (endpoints) an engine
// opens: two system xstreams, one per target and one per helper.
func (e *Engine) ContextCount() int { return 2 + e.Targets + e.HelperStreams }

// SCM returns the engine's SCM tier, or nil.
func (e *Engine) SCM() *Tier {
	if len(e.Storage) > 0 && e.Storage[0].IsSCM() {
		return e.Storage[0]
	}
	return nil
}
