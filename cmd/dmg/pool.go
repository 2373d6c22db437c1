package main

import (
	"bufio"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/user"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/ranklist"
	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/pretty"
)

// Per-target minimums DAOS enforces at pool create.
const (
	minSCMPerTarget  = 16 << 20
	minNVMePerTarget = 1 << 30
)

// poolCommand is the `dmg pool` group.
func poolCommand(g *globals) *cobra.Command {
	pool := &cobra.Command{Use: "pool", Short: "Create, query and manage pools"}
	pool.AddCommand(
		poolCreateCommand(g),
		poolListCommand(g),
		poolQueryCommand(g),
		poolDestroyCommand(g),
		poolEvictCommand(g),
		poolGetPropCommand(g),
		poolSetPropCommand(g),
		poolGetACLCommand(g),
		poolOverwriteACLCommand(g),
		poolUpdateACLCommand(g),
		poolDeleteACLCommand(g),
	)
	pool.AddCommand(poolMembershipCommands(g)...)
	return pool
}

// poolArg checks the <label|UUID> argument.
func poolArg(args []string) (string, error) {
	if len(args) != 1 || strings.TrimSpace(args[0]) == "" {
		return "", errors.New("give the pool's label or UUID")
	}
	id := strings.TrimSpace(args[0])
	if system.IsUUID(id) {
		return id, nil
	}
	if err := system.CheckPoolLabel(id); err != nil {
		return "", err
	}
	return id, nil
}

func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate pool UUID: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// siBytes prints a size as DAOS's tools print pool sizes.
func siBytes(n uint64) string { return pretty.SIBytes(n) }

// parseTierRatio reads "6,94", "6%,94%" or "6" (meaning 6,94) as
// fractions summing to 1.
func parseTierRatio(s string) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) > 2 {
		return nil, fmt.Errorf("-t/--tier-ratio %q: want at most two values (SCM,NVMe)", s)
	}
	var pct []float64
	for _, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(p), "%"), 64)
		if err != nil || v < 0 || v > 100 {
			return nil, fmt.Errorf("-t/--tier-ratio %q: %q is not a percentage from 0 to 100", s, p)
		}
		pct = append(pct, v)
	}
	if len(pct) == 1 {
		pct = append(pct, 100-pct[0])
	}
	if math.Abs(pct[0]+pct[1]-100) > 0.01 {
		return nil, fmt.Errorf("-t/--tier-ratio %q: the values must add up to 100%%", s)
	}
	return []float64{pct[0] / 100, pct[1] / 100}, nil
}

// parsePercent reads "N" or "N%" (0 < N <= 100).
func parsePercent(flag, s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || v <= 0 || v > 100 {
		return 0, fmt.Errorf("%s %q: want a percentage above 0 and at most 100", flag, s)
	}
	return v, nil
}

func parseSizeFlag(flag, s string) (uint64, error) {
	v, err := system.ParseSize(s)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", flag, err)
	}
	return v, nil
}

// principalName adds the "@" DAOS names principals with.
func principalName(s string) string {
	if s == "" || strings.Contains(s, "@") {
		return s
	}
	return s + "@"
}

// checkACE validates one access control entry in DAOS's short form,
// type:flags:principal:permissions (e.g. A:G:admins@:rw).
func checkACE(ace string) error {
	f := strings.Split(ace, ":")
	if len(f) != 4 {
		return fmt.Errorf("invalid ACE %q: want type:flags:principal:permissions", ace)
	}
	if f[0] == "" || strings.Trim(f[0], "ALU") != "" {
		return fmt.Errorf("invalid ACE %q: access types are A (allow), L (audit) and U (alarm)", ace)
	}
	if strings.Trim(f[1], "GSF") != "" {
		return fmt.Errorf("invalid ACE %q: flags are G (group), S (success) and F (failure)", ace)
	}
	p := f[2]
	special := p == "OWNER@" || p == "GROUP@" || p == "EVERYONE@"
	if !special && (!strings.Contains(p, "@") || strings.HasPrefix(p, "@")) {
		return fmt.Errorf("invalid ACE %q: the principal must be OWNER@, GROUP@, EVERYONE@ or name@[domain]", ace)
	}
	if f[3] == "" || strings.Trim(f[3], "rwcdtTaAo") != "" {
		return fmt.Errorf("invalid ACE %q: permissions are made of r w c d t T a A o", ace)
	}
	return nil
}

// readACLFile reads ACEs, one a line; blank lines and # comments are
// skipped.
func readACLFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ACL file: %w", err)
	}
	defer f.Close()
	var aces []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := checkACE(line); err != nil {
			return nil, fmt.Errorf("ACL file %s line %d: %w", path, n, err)
		}
		aces = append(aces, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("ACL file %s: %w", path, err)
	}
	if len(aces) == 0 {
		return nil, fmt.Errorf("ACL file %s has no entries", path)
	}
	return aces, nil
}

// encodeProps checks k:v pairs against the property catalogue.
func encodeProps(pairs map[string]string, atCreate bool) ([]*mgmtpb.PoolProperty, error) {
	keys := make([]string, 0, len(pairs))
	for k := range pairs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []*mgmtpb.PoolProperty
	for _, k := range keys {
		d, err := system.LookupPoolProp(k)
		if err != nil {
			return nil, err
		}
		if !atCreate && d.Access == system.PropCreateOnly {
			return nil, daos.Errorf(daos.ErrInval, "pool property %s can only be set when the pool is created", d.Name)
		}
		p, err := d.Encode(pairs[k])
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// poolCreateFlags are `pool create`'s flags.
type poolCreateFlags struct {
	label, size, tierRatio, scmSize, nvmeSize string
	metaSize, dataSize, memRatio, ranks       string
	user, group, props, aclFile               string
	nranks, nsvc                              uint32
}

type poolCreateResult struct {
	UUID           string   `json:"uuid"`
	SvcLdr         uint32   `json:"svc_ldr"`
	SvcReps        []uint32 `json:"svc_reps"`
	TgtRanks       []uint32 `json:"tgt_ranks"`
	TierBytes      []uint64 `json:"tier_bytes"`
	MemFileBytes   uint64   `json:"mem_file_bytes"`
	MdOnSsdActive  bool     `json:"md_on_ssd_active"`
	tierRatioShown []float64
}

// buildCreate applies the pool create rules (CONTROL.md 4.1) and makes the
// request. warn receives notes for stderr.
func (f *poolCreateFlags) buildCreate(cmd *cobra.Command, args []string, warn io.Writer) (*mgmtpb.PoolCreateReq, error) {
	changed := cmd.Flags().Changed
	label := ""
	switch {
	case len(args) > 1:
		return nil, fmt.Errorf("one label, not %d arguments (%s)", len(args), strings.Join(args, " "))
	case len(args) == 1 && changed("label"):
		return nil, errors.New("give the label either as the argument or with the deprecated --label, not both")
	case len(args) == 1:
		label = args[0]
	case changed("label"):
		label = f.label
		fmt.Fprintln(warn, "Note: --label is deprecated; give the label as the argument: dmg pool create <label>")
	default:
		return nil, errors.New("give the new pool's label (dmg pool create <label>)")
	}
	if err := system.CheckPoolLabel(label); err != nil {
		return nil, err
	}
	req := &mgmtpb.PoolCreateReq{}

	// Properties, then the label as one of them.
	if f.props != "" {
		pairs, err := parsePairs("property", []string{f.props})
		if err != nil {
			return nil, fmt.Errorf("-P/--properties: %w", err)
		}
		for k := range pairs {
			if d, err := system.LookupPoolProp(k); err == nil && d.Number == system.PoolPropLabel {
				return nil, errors.New("the label is the argument of pool create; do not also set it with -P label:")
			}
		}
		if req.Properties, err = encodeProps(pairs, true); err != nil {
			return nil, err
		}
	}
	req.Properties = append([]*mgmtpb.PoolProperty{{Number: system.PoolPropLabel,
		Value: &mgmtpb.PoolProperty_Strval{Strval: label}}}, req.Properties...)

	// Size flags and their conflicts.
	manual := changed("scm-size") || changed("nvme-size")
	mdOnSSD := changed("meta-size") || changed("data-size")
	pct := strings.HasSuffix(strings.TrimSpace(f.size), "%")
	switch {
	case changed("size") && (manual || mdOnSSD):
		return nil, errors.New("-z/--size cannot be used with --scm-size, --nvme-size, --meta-size or --data-size")
	case pct && changed("nranks"):
		return nil, errors.New("-z/--size as a percentage cannot be used with -k/--nranks")
	case pct && changed("tier-ratio"):
		return nil, errors.New("-z/--size as a percentage cannot be used with -t/--tier-ratio")
	case changed("nranks") && changed("ranks"):
		return nil, errors.New("-k/--nranks cannot be used with -r/--ranks")
	case changed("nvme-size") && !changed("scm-size"):
		return nil, errors.New("--nvme-size needs --scm-size")
	case manual && mdOnSSD:
		return nil, errors.New("--scm-size/--nvme-size cannot be mixed with --meta-size/--data-size")
	case manual && changed("mem-ratio"):
		return nil, errors.New("--mem-ratio applies to MD-on-SSD pools (--size or --meta-size), not to --scm-size/--nvme-size")
	case changed("tier-ratio") && !changed("size"):
		return nil, errors.New("-t/--tier-ratio applies only with -z/--size")
	case changed("data-size") && !changed("meta-size"):
		return nil, errors.New("--data-size needs --meta-size")
	case !changed("size") && !manual && !mdOnSSD:
		return nil, errors.New("give the pool size: -z/--size, or -s/--scm-size (with -n/--nvme-size), or --meta-size (with --data-size)")
	}
	if changed("nsvc") && (f.nsvc < 1 || f.nsvc > 9 || f.nsvc%2 == 0) {
		return nil, fmt.Errorf("-v/--nsvc %d: the number of pool service replicas must be odd, from 1 to 9", f.nsvc)
	}
	req.NumSvcReps = f.nsvc
	if changed("nranks") {
		if f.nranks == 0 {
			return nil, errors.New("-k/--nranks must be at least 1")
		}
		req.NumRanks = f.nranks
	}
	if changed("ranks") {
		set, err := ranklist.Parse(f.ranks)
		if err != nil {
			return nil, fmt.Errorf("-r/--ranks: %w", err)
		}
		if set.Len() == 0 {
			return nil, errors.New("-r/--ranks: no ranks given")
		}
		req.Ranks = set.Ranks()
	}
	if changed("mem-ratio") || mdOnSSD {
		r, err := parsePercent("--mem-ratio", f.memRatio)
		if err != nil {
			return nil, err
		}
		req.MemRatio = float32(r / 100)
	}

	switch {
	case pct:
		if _, err := parsePercent("-z/--size", f.size); err != nil {
			return nil, err
		}
		// DAOS works the percentage out from every engine's free space,
		// which engines report only once they run the pool service.
		return nil, daos.Errorf(daos.ErrNosys, "pool create -z/--size %s: sizing by a share of free space needs the engines' free space, which this build's engines cannot report yet; give a size in bytes", f.size)
	case changed("size"):
		total, err := parseSizeFlag("-z/--size", f.size)
		if err != nil {
			return nil, err
		}
		if total == 0 {
			return nil, errors.New("-z/--size must be above 0")
		}
		ratio, err := parseTierRatio(f.tierRatio)
		if err != nil {
			return nil, err
		}
		if ratio[0] < 0.01 && req.MemRatio == 0 {
			fmt.Fprintf(warn, "WARNING: the SCM share of %.2f%% is below 1%%; with PMem the pool's metadata may not fit\n", ratio[0]*100)
		}
		req.TotalBytes, req.TierRatio = total, ratio
	case manual:
		scm, err := parseSizeFlag("-s/--scm-size", f.scmSize)
		if err != nil {
			return nil, err
		}
		var nvme uint64
		if changed("nvme-size") {
			if nvme, err = parseSizeFlag("-n/--nvme-size", f.nvmeSize); err != nil {
				return nil, err
			}
		}
		if scm < minSCMPerTarget {
			return nil, daos.Errorf(daos.ErrInval, "-s/--scm-size %s is below the minimum of %s per target", siBytes(scm), siBytes(minSCMPerTarget))
		}
		if nvme != 0 && nvme < minNVMePerTarget {
			return nil, daos.Errorf(daos.ErrInval, "-n/--nvme-size %s is below the minimum of %s per target", siBytes(nvme), siBytes(minNVMePerTarget))
		}
		req.TierBytes = []uint64{scm, nvme}
	default: // MD-on-SSD, manual
		meta, err := parseSizeFlag("--meta-size", f.metaSize)
		if err != nil {
			return nil, err
		}
		var data uint64
		if changed("data-size") {
			if data, err = parseSizeFlag("--data-size", f.dataSize); err != nil {
				return nil, err
			}
		}
		if meta < minSCMPerTarget {
			return nil, daos.Errorf(daos.ErrInval, "--meta-size %s is below the minimum of %s per target", siBytes(meta), siBytes(minSCMPerTarget))
		}
		if data != 0 && data < minNVMePerTarget {
			return nil, daos.Errorf(daos.ErrInval, "--data-size %s is below the minimum of %s per target", siBytes(data), siBytes(minNVMePerTarget))
		}
		req.TierBytes = []uint64{meta, data}
	}

	// Owner and group default to the caller's.
	req.User, req.UserGroup = principalName(f.user), principalName(f.group)
	if req.User == "" || req.UserGroup == "" {
		if u, err := user.Current(); err == nil {
			if req.User == "" {
				req.User = principalName(u.Username)
			}
			if req.UserGroup == "" {
				if grp, err := user.LookupGroupId(u.Gid); err == nil {
					req.UserGroup = principalName(grp.Name)
				}
			}
		}
	}
	if f.aclFile != "" {
		aces, err := readACLFile(f.aclFile)
		if err != nil {
			return nil, err
		}
		req.Acl = aces
	}
	uuid, err := newUUID()
	if err != nil {
		return nil, err
	}
	req.Uuid = uuid
	return req, nil
}

func poolCreateCommand(g *globals) *cobra.Command {
	f := &poolCreateFlags{}
	cmd := &cobra.Command{
		Use:   "create <label>",
		Short: "Create a pool",
		Long: `Create makes a pool across the system's ranks (or the ranks given).
Size it with -z/--size (bytes, split over the tiers by -t/--tier-ratio),
with -s/--scm-size and -n/--nvme-size per rank, or, for MD-on-SSD, with
--meta-size and --data-size per rank.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := f.buildCreate(cmd, args, cmd.ErrOrStderr())
			if err != nil {
				return fmt.Errorf("pool create: %w", err)
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			if !g.json {
				if req.TotalBytes > 0 {
					fmt.Fprintf(cmd.OutOrStdout(), "Creating DAOS pool with automatic storage allocation: %s total, %s tier ratio\n",
						siBytes(req.TotalBytes), ratioString(req.TierRatio, false))
				} else {
					fmt.Fprintf(cmd.OutOrStdout(), "Creating DAOS pool with manual per-engine storage allocation: %s\n", tierSizes(req.TierBytes, req.MemRatio > 0))
				}
			}
			resp, err := ms.PoolCreate(cmd.Context(), req)
			if err != nil {
				return prefixOnce("pool create", err)
			}
			out := poolCreateResult{UUID: req.Uuid, SvcLdr: resp.SvcLdr, SvcReps: nonNil(resp.SvcReps),
				TgtRanks: nonNil(resp.TgtRanks), TierBytes: resp.TierBytes, MemFileBytes: resp.MemFileBytes,
				MdOnSsdActive: resp.MemFileBytes > 0}
			if out.TierBytes == nil {
				out.TierBytes = []uint64{}
			}
			p := cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}
			return p.Print(out, func(w io.Writer) error { return printPoolCreate(w, &out) })
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.size, "size", "z", "", "total pool size in bytes (e.g. 100GB, 1TiB) or N% of free space")
	fl.StringVarP(&f.tierRatio, "tier-ratio", "t", "6,94", "percentage of --size for each tier, SCM,NVMe (a single n means n,100-n)")
	fl.Uint32VarP(&f.nranks, "nranks", "k", 0, "number of ranks to use (default all)")
	fl.Uint32VarP(&f.nsvc, "nsvc", "v", 0, "number of pool service replicas, odd, 1-9 (default from svc_rf, clamped to the ranks)")
	fl.StringVarP(&f.scmSize, "scm-size", "s", "", "SCM per rank (manual sizing)")
	fl.StringVarP(&f.nvmeSize, "nvme-size", "n", "", "NVMe per rank (manual sizing, needs --scm-size)")
	fl.StringVar(&f.metaSize, "meta-size", "", "metadata size per rank (MD-on-SSD)")
	fl.StringVar(&f.dataSize, "data-size", "", "data size per rank (MD-on-SSD)")
	fl.StringVar(&f.memRatio, "mem-ratio", "100%", "memory file size as a percentage of the metadata size (MD-on-SSD)")
	fl.StringVarP(&f.ranks, "ranks", "r", "", "ranks to create the pool on, e.g. 0-3,5 (default all)")
	fl.StringVarP(&f.user, "user", "u", "", "owner user, name@ (default the caller)")
	fl.StringVarP(&f.group, "group", "g", "", "owner group, name@ (default the caller's group)")
	fl.StringVarP(&f.props, "properties", "P", "", "pool properties, key:val,key:val")
	fl.StringVarP(&f.aclFile, "acl-file", "a", "", "file with the pool's access control entries")
	fl.StringVar(&f.label, "label", "", "deprecated: the pool label (give it as the argument)")
	_ = fl.MarkHidden("label")
	return cmd
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func ratioString(r []float64, precise bool) string {
	parts := make([]string, len(r))
	for i, v := range r {
		if precise {
			parts[i] = fmt.Sprintf("%.2f%%", v*100)
		} else {
			parts[i] = strconv.FormatFloat(v*100, 'f', -1, 64) + "%"
		}
	}
	return strings.Join(parts, ",")
}

func tierName(i int, md bool) string {
	switch {
	case md && i == 0:
		return "metadata"
	case md:
		return "data"
	case i == 0:
		return "SCM"
	default:
		return "NVMe"
	}
}

func tierSizes(tb []uint64, md bool) string {
	parts := make([]string, 0, len(tb))
	for i, b := range tb {
		parts = append(parts, fmt.Sprintf("%s %s", tierName(i, md), siBytes(b)))
	}
	return strings.Join(parts, ", ")
}

// printPoolCreate is DAOS's pool create summary.
func printPoolCreate(w io.Writer, r *poolCreateResult) error {
	nranks := len(r.TgtRanks)
	var total uint64
	for _, b := range r.TierBytes {
		total += b * uint64(nranks)
	}
	title := "Pool created"
	if total > 0 && len(r.TierBytes) > 0 {
		ratio := make([]float64, len(r.TierBytes))
		for i, b := range r.TierBytes {
			ratio[i] = float64(b*uint64(nranks)) / float64(total)
		}
		title = fmt.Sprintf("Pool created with %s storage tier ratio", ratioString(ratio, true))
	}
	fmt.Fprintln(w, title)
	fmt.Fprintln(w, strings.Repeat("-", len(title)))
	row := func(k, v string) { fmt.Fprintf(w, "  %-21s: %s\n", k, v) }
	row("UUID", r.UUID)
	row("Service Leader", strconv.FormatUint(uint64(r.SvcLdr), 10))
	row("Service Ranks", ranklist.Of(r.SvcReps...).RangedString())
	row("Storage Ranks", ranklist.Of(r.TgtRanks...).RangedString())
	row("Total Size", siBytes(total))
	for i, b := range r.TierBytes {
		row(fmt.Sprintf("Storage tier %d (%s)", i, tierName(i, r.MdOnSsdActive)),
			fmt.Sprintf("%s (%s / rank)", siBytes(b*uint64(nranks)), siBytes(b)))
	}
	if r.MdOnSsdActive {
		row("Memory File Size", fmt.Sprintf("%s (%s / rank)", siBytes(r.MemFileBytes*uint64(nranks)), siBytes(r.MemFileBytes)))
	}
	_, err := fmt.Fprintln(w)
	return err
}

// prefixOnce names the command in an error unless the server's message
// already does.
func prefixOnce(what string, err error) error {
	if strings.HasPrefix(err.Error(), what+":") {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}
