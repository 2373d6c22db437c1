package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/dfs"
	"github.com/daos-go/daos/pkg/hlc"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
	"github.com/daos-go/daos/pkg/pretty"
	"github.com/daos-go/daos/pkg/uns"
)

// contInfo is a container as the daos tool reports it, with DAOS's JSON
// field names (daos.ContainerInfo).
type contInfo struct {
	PoolUUID         string `json:"pool_uuid"`
	ContainerUUID    string `json:"container_uuid"`
	ContainerLabel   string `json:"container_label,omitempty"`
	Type             string `json:"container_type"`
	Health           string `json:"health"`
	RedundancyFactor uint32 `json:"redundancy_factor"`
	NumHandles       uint32 `json:"num_handles"`
	NumSnapshots     uint32 `json:"num_snapshots"`
	LatestSnapshot   uint64 `json:"latest_snapshot"`
	OpenTime         uint64 `json:"open_time"`
	CloseModifyTime  uint64 `json:"close_modify_time"`
	ObjectClass      string `json:"object_class,omitempty"`
	DirObjectClass   string `json:"dir_object_class,omitempty"`
	FileObjectClass  string `json:"file_object_class,omitempty"`
	ChunkSize        uint64 `json:"chunk_size,omitempty"`
	CreateTime       string `json:"create_time,omitempty"`
}

func newContInfo(pool string, c *poolsvc.ContInfo) *contInfo {
	ci := &contInfo{PoolUUID: pool, ContainerUUID: c.UUID, ContainerLabel: c.Label,
		Type: orWord(c.Type, "unknown"), Health: orWord(c.Status, "HEALTHY"),
		NumHandles: uint32(c.NumHandles), NumSnapshots: uint32(c.NumSnaps),
		OpenTime: c.OpenTime, CloseModifyTime: c.CloseModifyTime,
		ObjectClass: c.Props["oclass"], DirObjectClass: c.Props["dir_oclass"], FileObjectClass: c.Props["file_oclass"]}
	if ci.ContainerLabel == "container_label_not_set" {
		ci.ContainerLabel = ""
	}
	if n := len(c.Snapshots); n > 0 {
		ci.LatestSnapshot = c.Snapshots[n-1]
	}
	if v, err := strconv.ParseUint(c.Props["rd_fac"], 10, 32); err == nil {
		ci.RedundancyFactor = uint32(v)
	}
	if v, err := strconv.ParseUint(c.Props["chunk_size"], 10, 64); err == nil {
		ci.ChunkSize = v
	}
	if !c.CTime.IsZero() {
		ci.CreateTime = c.CTime.Local().Format(time.RFC3339)
	}
	return ci
}

// containerCommand is the `daos container` group.
func containerCommand(g *globals) *cobra.Command {
	cont := &cobra.Command{Use: "container", Aliases: []string{"cont"}, Short: "Create, query and destroy containers"}
	cont.AddCommand(contCreateCommand(g), listContainersCommand(g, "list <pool>", []string{"ls"}),
		contQueryCommand(g), contDestroyCommand(g), contGetPropCommand(g), contSetPropCommand(g),
		contCreateSnapCommand(g), contListSnapsCommand(g), contDestroySnapCommand(g),
		contGetACLCommand(g), contOverwriteACLCommand(g), contUpdateACLCommand(g), contDeleteACLCommand(g), contSetOwnerCommand(g), contListObjectsCommand(g), contEvictCommand(g),
		contLinkCommand(g), contUnlinkCommand(g), contCloneCommand(g), contCheckCommand(g))
	cont.AddCommand(attrCommands(g, contScope)...)
	return cont
}

// layoutTypes maps the --type spellings DAOS accepts (case-insensitive)
// to the layout names the pool service stores.
var layoutTypes = map[string]string{
	"POSIX": "POSIX", "HDF5": "HDF5", "PYTHON": "PYTHON", "SPARK": "SPARK",
	"DATABASE": "DATABASE", "DB": "DATABASE", "ROOT": "ROOT", "RNTUPLE": "ROOT",
	"SEISMIC": "SEISMIC", "DSG": "SEISMIC", "METEO": "METEO", "FDB": "METEO", "UNKNOWN": "unknown",
}

func parseLayoutType(s string) (string, error) {
	if t, ok := layoutTypes[strings.ToUpper(strings.TrimSpace(s))]; ok {
		return t, nil
	}
	return "", daos.Errorf(daos.ErrInval, "unknown container type %q (want POSIX, HDF5, PYTHON, SPARK, DATABASE|DB, ROOT|RNTuple, SEISMIC|DSG, METEO|FDB or unknown)", s)
}

// parseProps reads --properties k:v,k:v and checks each against the
// container property catalogue, so mistakes are caught before
// connecting. Keys come back in their catalogue spelling.
func parseProps(s string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, item := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(item, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, daos.Errorf(daos.ErrInval, "property %q: want name:value", item)
		}
		if err := setProp(out, k, v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// setProp checks one property and records it under its catalogue name.
func setProp(props map[string]string, name, value string) error {
	d, err := poolsvc.LookupContProp(name)
	if err != nil {
		return err
	}
	if d.Access == poolsvc.ContReadOnly {
		return daos.Errorf(daos.ErrInval, "container property %s is read-only", d.Name)
	}
	if _, err := d.Parse(value); err != nil {
		return err
	}
	if _, dup := props[d.Name]; dup {
		return daos.Errorf(daos.ErrInval, "container property %s given twice", d.Name)
	}
	props[d.Name] = strings.TrimSpace(value)
	return nil
}

// createOpts are `daos container create`'s flags.
type createOpts struct {
	typ, props, chunkSize, oclass, dirOclass, fileOclass, hints string
	path                                                        string
	// mode, aclFile, group and attrs are applied once the container
	// exists (DFS mode, ACL, owner group, user attributes).
	mode, aclFile, group, attrs string
}

// extras is what create applies to a new container beyond its
// properties: checked before anything is created.
type createExtras struct {
	aces  []string
	group string
	attrs map[string][]byte
}

func (o *createOpts) extras() (createExtras, error) {
	var x createExtras
	var err error
	if o.aclFile != "" {
		if x.aces, err = readACLFile(o.aclFile); err != nil {
			return x, err
		}
	}
	if o.group != "" {
		if x.group, err = ownerPrincipal("--group", o.group, "", false, ownerLookup.groupByID, ownerLookup.group); err != nil {
			return x, err
		}
	}
	if strings.TrimSpace(o.attrs) != "" {
		x.attrs = map[string][]byte{}
		for _, kv := range strings.Split(o.attrs, ",") {
			k, v, ok := strings.Cut(kv, ":")
			k = strings.TrimSpace(k)
			if !ok || k == "" {
				return x, daos.Errorf(daos.ErrInval, "--attrs item %q: want name:value", kv)
			}
			if _, dup := x.attrs[k]; dup {
				return x, daos.Errorf(daos.ErrInval, "--attrs: attribute %q given twice", k)
			}
			x.attrs[k] = []byte(v)
		}
	}
	return x, nil
}

// ownedCreator creates a container with its group and ACL set at once
// (client.Pool does).
type ownedCreator interface {
	CreateContainerAs(ctx context.Context, c client.ContainerCreate) (*poolsvc.ContInfo, error)
}

// create makes the container, with the group and ACL in the same step
// when the pool handle can (then apply leaves them alone), so nobody sees
// the container with the defaults first.
func (x *createExtras) create(ctx context.Context, p poolHandle, label, typ string, props map[string]string) (*poolsvc.ContInfo, error) {
	oc, ok := p.(ownedCreator)
	// A POSIX container is formatted by its creator after the create,
	// which an ACL given now might not allow: apply sets it after.
	if !ok || (len(x.aces) == 0 && x.group == "") || typ == "POSIX" {
		return p.CreateContainer(ctx, label, typ, props)
	}
	c, err := oc.CreateContainerAs(ctx, client.ContainerCreate{Label: label, Type: typ, Props: props, Group: x.group, ACL: x.aces})
	if err != nil {
		return nil, err
	}
	x.aces, x.group = nil, ""
	return c, nil
}

// apply sets the extras on the new container.
func (x createExtras) apply(ctx context.Context, p poolHandle, uuid string) error {
	if len(x.aces) == 0 && x.group == "" && len(x.attrs) == 0 {
		return nil
	}
	h, err := p.OpenCont(ctx, uuid, client.RW)
	if err != nil {
		return err
	}
	defer h.Close(ctx)
	if len(x.aces) > 0 || x.group != "" {
		a, ok := h.(aclOps)
		if !ok {
			return daos.Errorf(daos.ErrNotsupported, "container ACLs are not available through this handle")
		}
		if len(x.aces) > 0 {
			if err := a.OverwriteACL(ctx, x.aces); err != nil {
				return fmt.Errorf("--acl-file: %w", err)
			}
		}
		if x.group != "" {
			if err := a.SetOwner(ctx, "", x.group); err != nil {
				return fmt.Errorf("--group: %w", err)
			}
		}
	}
	if len(x.attrs) > 0 {
		if err := h.SetAttrs(ctx, x.attrs); err != nil {
			return fmt.Errorf("--attrs: %w", err)
		}
	}
	return nil
}

// request turns the arguments and flags into what the pool service is
// asked for: label, layout type and properties.
func (o *createOpts) request(args []string) (label, typ string, props map[string]string, err error) {
	typ = "unknown"
	if o.path != "" {
		// A linked directory is for dfuse and the tools: POSIX unless
		// the caller says otherwise, as DAOS does.
		typ = "POSIX"
	}
	if o.typ != "" {
		if typ, err = parseLayoutType(o.typ); err != nil {
			return
		}
	}
	if props, err = parseProps(o.props); err != nil {
		return
	}
	for _, f := range []struct{ name, value string }{
		{"chunk_size", o.chunkSize}, {"oclass", o.oclass}, {"dir_oclass", o.dirOclass}, {"file_oclass", o.fileOclass},
	} {
		if f.value == "" {
			continue
		}
		if err = setProp(props, f.name, f.value); err != nil {
			return
		}
	}
	if len(args) > 1 {
		label = strings.TrimSpace(args[1])
		if l, ok := props["label"]; ok && l != label {
			err = daos.Errorf(daos.ErrInval, "label %q given twice: %q in --properties", label, l)
			return
		}
		if err = setProp(map[string]string{}, "label", label); err != nil {
			return
		}
	} else if l, ok := props["label"]; ok {
		label = l
	}
	delete(props, "label")
	return
}

// dfsAttr is the DFS layout's defaults from the create flags.
func (o *createOpts) dfsAttr() (dfs.Attr, error) {
	var a dfs.Attr
	if o.chunkSize != "" {
		n, err := system.ParseSize(o.chunkSize)
		if err != nil {
			return a, daos.Errorf(daos.ErrInval, "--chunk-size %q: %v", o.chunkSize, err)
		}
		a.ChunkSize = n
	}
	class := func(flag, v string) (placement.ClassID, error) {
		if v == "" {
			return 0, nil
		}
		id := placement.Name2ID(strings.ToUpper(strings.TrimSpace(v)))
		if id == placement.OCUnknown {
			return 0, daos.Errorf(daos.ErrInval, "%s %q: unknown object class", flag, v)
		}
		return id, nil
	}
	var err error
	if a.FileOClass, err = class("--oclass", o.oclass); err != nil {
		return a, err
	}
	a.DirOClass = a.FileOClass
	if o.fileOclass != "" {
		if a.FileOClass, err = class("--file-oclass", o.fileOclass); err != nil {
			return a, err
		}
	}
	if o.dirOclass != "" {
		if a.DirOClass, err = class("--dir-oclass", o.dirOclass); err != nil {
			return a, err
		}
	}
	if _, _, err := dfs.ParseHints(o.hints); err != nil {
		return a, daos.Errorf(daos.ErrInval, "--hints %q: want file:single|max,dir:single|max", o.hints)
	}
	a.Hints = o.hints
	switch strings.ToLower(strings.TrimSpace(o.mode)) {
	case "", "relaxed":
	case "balanced":
		a.Mode = dfs.ModeBalanced
	default:
		return a, daos.Errorf(daos.ErrInval, "--mode %q: want relaxed or balanced", o.mode)
	}
	return a, nil
}

// posixFormatter is a container that can be given DFS's layout.
type posixFormatter interface {
	FormatPOSIX(ctx context.Context, attr dfs.Attr) error
}

// formatPOSIX gives a new POSIX container DFS's layout (superblock, root
// directory), as DAOS's tool does, so that dfuse and libdfs can mount it;
// a container that cannot be formatted is removed again.
func formatPOSIX(ctx context.Context, p poolHandle, uuid string, attr dfs.Attr) error {
	h, err := p.OpenCont(ctx, uuid, client.RW)
	if err != nil {
		_ = p.DestroyContainer(ctx, uuid, true) // unformatted, it is of no use
		return fmt.Errorf("open the new POSIX container to format it: %w", err)
	}
	f, ok := h.(posixFormatter)
	if ok {
		err = f.FormatPOSIX(ctx, attr)
	}
	if cerr := h.Close(ctx); err == nil {
		err = cerr
	}
	if err != nil {
		_ = p.DestroyContainer(ctx, uuid, true)
		return fmt.Errorf("format the POSIX container: %w", err)
	}
	return nil
}

// contCreateCommand is `daos container create <pool> [label]`.
func contCreateCommand(g *globals) *cobra.Command {
	o := &createOpts{}
	cmd := &cobra.Command{
		Use:   "create <pool> [label]",
		Short: "Create a container",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			pool, err := checkID("pool", args[0])
			if err != nil {
				return err
			}
			label, typ, props, err := o.request(args)
			if err != nil {
				return err
			}
			attr, err := o.dfsAttr()
			if err != nil {
				return err
			}
			if o.mode != "" && typ != "POSIX" {
				return daos.Errorf(daos.ErrInval, "--mode is for POSIX containers (this one is %s)", typ)
			}
			extras, err := o.extras()
			if err != nil {
				return err
			}
			if o.path != "" {
				if err := uns.CheckNew(o.path); err != nil {
					return fmt.Errorf("--path: %w", err)
				}
			}
			return g.withPool(cmd, pool, client.RW, func(ctx context.Context, p poolHandle) error {
				c, err := extras.create(ctx, p, label, typ, props)
				if err != nil {
					return err
				}
				if typ == "POSIX" {
					if err := formatPOSIX(ctx, p, c.UUID, attr); err != nil {
						return err
					}
				}
				if err := extras.apply(ctx, p, c.UUID); err != nil {
					// No container without what was asked of it.
					_ = p.DestroyContainer(ctx, c.UUID, true)
					return fmt.Errorf("set up the new container (removed again): %w", err)
				}
				if o.path != "" {
					if _, err := linkPath(ctx, p, c.UUID, o.path); err != nil {
						// No container without the link asked for.
						_ = p.DestroyContainer(ctx, c.UUID, true)
						return fmt.Errorf("link the new container at %s (container removed again): %w", o.path, err)
					}
				}
				ci := newContInfo(p.UUID(), c)
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(ci, func(w io.Writer) error {
					if _, err := fmt.Fprintf(w, "Successfully created container %s\n", ci.ContainerUUID); err != nil {
						return err
					}
					return printContInfo(w, ci)
				})
			})
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.typ, "type", "t", "", "container type (POSIX, HDF5, PYTHON, SPARK, DATABASE, ROOT, SEISMIC, METEO, unknown)")
	f.StringVar(&o.props, "properties", "", "container properties as name:value,name:value")
	f.StringVarP(&o.chunkSize, "chunk-size", "z", "", "chunk size of files (e.g. 1MiB)")
	f.StringVarP(&o.oclass, "oclass", "o", "", "default object class")
	f.StringVarP(&o.dirOclass, "dir-oclass", "d", "", "object class of directories")
	f.StringVarP(&o.hints, "hints", "H", "", "POSIX containers: default sharding of files and directories (file:single|max,dir:single|max)")
	f.StringVarP(&o.fileOclass, "file-oclass", "f", "", "object class of files")
	f.StringVarP(&o.mode, "mode", "M", "", "POSIX containers: DFS mode, relaxed or balanced")
	f.StringVarP(&o.aclFile, "acl-file", "A", "", "the container's ACL: a file of entries, one a line")
	f.StringVarP(&o.group, "group", "g", "", "owner group (name or name@domain; default: the caller's)")
	f.StringVarP(&o.attrs, "attrs", "a", "", "user attributes as name:value,name:value")
	f.StringVarP(&o.path, "path", "p", "", "also create this directory, linked to the new container (unified namespace; POSIX unless --type says otherwise)")
	return cmd
}

// contArgs checks <pool> <cont>.
func contArgs(args []string) (pool, cont string, err error) {
	if pool, err = checkID("pool", args[0]); err != nil {
		return
	}
	cont, err = checkID("container", args[1])
	return
}

// contQueryCommand is `daos container query <pool> <cont>`.
func contQueryCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "query <pool> <container>",
		Aliases: []string{"stat"},
		Short:   "Query a container",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			pool, cont, err := contArgs(args)
			if err != nil {
				return err
			}
			return g.withPool(cmd, pool, client.RO, func(ctx context.Context, p poolHandle) error {
				c, err := p.QueryContainer(ctx, cont)
				if err != nil {
					return err
				}
				ci := newContInfo(p.UUID(), c)
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(ci, func(w io.Writer) error {
					return printContInfo(w, ci)
				})
			})
		},
	}
}

// contDestroyCommand is `daos container destroy <pool> <cont>`.
func contDestroyCommand(g *globals) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "destroy <pool> <container>",
		Short: "Destroy a container",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			pool, cont, err := contArgs(args)
			if err != nil {
				return err
			}
			return g.withPool(cmd, pool, client.RW, func(ctx context.Context, p poolHandle) error {
				if err := p.DestroyContainer(ctx, cont, force); err != nil {
					return err
				}
				if err := unlinkAfterDestroy(cmd); err != nil {
					return err
				}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(nil, func(w io.Writer) error {
					_, err := fmt.Fprintf(w, "Successfully destroyed container %s\n", cont)
					return err
				})
			})
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "destroy even if the container is open")
	return cmd
}

// contProp is one property as get-prop reports it.
type contProp struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// extraProps are the properties the pool service keeps outside the
// catalogue's map (read-only here; the ACL has its own commands).
var extraProps = []string{"owner", "group", "acl"}

func extraProp(c *poolsvc.ContInfo, name string) string {
	switch name {
	case "owner":
		return c.Owner
	case "group":
		return c.Group
	}
	return strings.Join(c.ACL, ", ")
}

// selectProps picks the asked-for properties (all when names is empty),
// in catalogue order.
func selectProps(c *poolsvc.ContInfo, names []string) ([]contProp, error) {
	want := map[string]bool{}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		if contains(extraProps, n) {
			want[n] = true
			continue
		}
		d, err := poolsvc.LookupContProp(n)
		if err != nil {
			return nil, err
		}
		want[d.Name] = true
	}
	var out []contProp
	for _, n := range poolsvc.ContPropNames() {
		if v, ok := c.Props[n]; ok && (len(want) == 0 || want[n]) {
			out = append(out, contProp{Name: n, Value: v})
		}
	}
	for _, n := range extraProps {
		if len(want) == 0 || want[n] {
			out = append(out, contProp{Name: n, Value: extraProp(c, n)})
		}
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// contGetPropCommand is `daos container get-prop <pool> <cont> [k,..]`.
func contGetPropCommand(g *globals) *cobra.Command {
	var propFlag string
	cmd := &cobra.Command{
		Use:   "get-prop <pool> <container> [name,..]",
		Short: "Show a container's properties",
		Args:  cobra.RangeArgs(2, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			pool, cont, err := contArgs(args)
			if err != nil {
				return err
			}
			var names []string
			for _, s := range append([]string{propFlag}, args[2:]...) {
				if s != "" {
					names = append(names, strings.Split(s, ",")...)
				}
			}
			return g.withPool(cmd, pool, client.RO, func(ctx context.Context, p poolHandle) error {
				c, err := p.QueryContainer(ctx, cont)
				if err != nil {
					return err
				}
				props, err := selectProps(c, names)
				if err != nil {
					return err
				}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(props, func(w io.Writer) error {
					fmt.Fprintf(w, "Properties for container %s\n", cont)
					rows := make([][]string, len(props))
					for i, pr := range props {
						rows[i] = []string{pr.Name, pr.Value}
					}
					return pretty.Table(w, "", []string{"Name", "Value"}, rows)
				})
			})
		},
	}
	cmd.Flags().StringVar(&propFlag, "properties", "", "properties to show, name,name")
	return cmd
}

// hlcText shows an HLC stamp and the time it stands for.
func hlcText(stamp uint64) string {
	if stamp == 0 {
		return "0x0 (never)"
	}
	return fmt.Sprintf("%#x (%s)", stamp, hlc.Time(stamp).UTC().Format(time.DateTime))
}

// printContInfo prints a container the way daos container query does.
func printContInfo(w io.Writer, ci *contInfo) error {
	rows := [][2]string{
		{"Container UUID", ci.ContainerUUID},
		{"Container Label", orWord(ci.ContainerLabel, "container_label_not_set")},
		{"Container Type", ci.Type},
		{"Pool UUID", ci.PoolUUID},
		{"Container redundancy factor", strconv.FormatUint(uint64(ci.RedundancyFactor), 10)},
		{"Health", ci.Health},
		{"Number of open handles", strconv.FormatUint(uint64(ci.NumHandles), 10)},
		{"Latest open time", hlcText(ci.OpenTime)},
		{"Latest close/modify time", hlcText(ci.CloseModifyTime)},
		{"Number of snapshots", strconv.FormatUint(uint64(ci.NumSnapshots), 10)},
	}
	if ci.LatestSnapshot != 0 {
		rows = append(rows, [2]string{"Latest Persistent Snapshot", fmt.Sprintf("%#x", ci.LatestSnapshot)})
	}
	if ci.CreateTime != "" {
		rows = append(rows, [2]string{"Creation time", ci.CreateTime})
	}
	if ci.ObjectClass != "" {
		rows = append(rows, [2]string{"Object Class", ci.ObjectClass})
	}
	if ci.DirObjectClass != "" {
		rows = append(rows, [2]string{"Dir Object Class", ci.DirObjectClass})
	}
	if ci.FileObjectClass != "" {
		rows = append(rows, [2]string{"File Object Class", ci.FileObjectClass})
	}
	if ci.ChunkSize != 0 {
		rows = append(rows, [2]string{"Chunk Size", pretty.Bytes(ci.ChunkSize)})
	}
	width := 0
	for _, r := range rows {
		width = max(width, len(r[0]))
	}
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "  %-*s: %s\n", width, r[0], r[1])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// printContList prints the table of daos pool list-containers.
func printContList(w io.Writer, conts []*contInfo, verbose bool) error {
	sorted := append([]*contInfo(nil), conts...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].ContainerLabel < sorted[j].ContainerLabel })
	header := []string{"UUID", "Label"}
	if verbose {
		header = append(header, "Type", "Health", "Handles", "Snapshots")
	}
	rows := make([][]string, 0, len(sorted))
	for _, c := range sorted {
		row := []string{c.ContainerUUID, orWord(c.ContainerLabel, "container_label_not_set")}
		if verbose {
			row = append(row, c.Type, c.Health, strconv.Itoa(int(c.NumHandles)), strconv.Itoa(int(c.NumSnapshots)))
		}
		rows = append(rows, row)
	}
	return pretty.Table(w, "", header, rows)
}

// parseSetProps reads set-prop's name:value[,name:value] and accepts only
// what DAOS lets change on an existing container (label, status); the
// rest is refused naming the property and why.
func parseSetProps(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, item := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(item, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, daos.Errorf(daos.ErrInval, "property %q: want name:value", item)
		}
		k = strings.ToLower(strings.TrimSpace(k))
		switch k {
		case "owner", "group":
			return nil, daos.Errorf(daos.ErrInval, "container property %s: change it with daos container set-owner", k)
		case "acl":
			return nil, daos.Errorf(daos.ErrInval, "container property acl: change it with daos container overwrite-acl/update-acl/delete-acl")
		}
		d, err := poolsvc.LookupContProp(k)
		if err != nil {
			return nil, err
		}
		switch d.Access {
		case poolsvc.ContReadOnly:
			return nil, daos.Errorf(daos.ErrInval, "container property %s is read-only", d.Name)
		case poolsvc.ContCreateOnly:
			return nil, daos.Errorf(daos.ErrInval, "container property %s can only be set when the container is created", d.Name)
		}
		if _, err := d.Parse(v); err != nil {
			return nil, err
		}
		if _, dup := out[d.Name]; dup {
			return nil, daos.Errorf(daos.ErrInval, "container property %s given twice", d.Name)
		}
		out[d.Name] = strings.TrimSpace(v)
	}
	return out, nil
}

// contSetPropCommand is `daos container set-prop <pool> <cont> k:v[,k:v]`.
func contSetPropCommand(g *globals) *cobra.Command {
	var propFlag string
	cmd := &cobra.Command{
		Use:   "set-prop <pool> <container> name:value[,name:value]",
		Short: "Change container properties (label, status:healthy)",
		Args:  cobra.RangeArgs(2, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			pool, cont, err := contArgs(args)
			if err != nil {
				return err
			}
			spec := propFlag
			if len(args) == 3 {
				if spec != "" {
					return daos.Errorf(daos.ErrInval, "properties given both as an argument and with --properties")
				}
				spec = args[2]
			}
			if strings.TrimSpace(spec) == "" {
				return daos.Errorf(daos.ErrInval, "no properties given: want name:value[,name:value]")
			}
			props, err := parseSetProps(spec)
			if err != nil {
				return err
			}
			return g.withCont(cmd, pool, cont, true, func(ctx context.Context, _ poolHandle, c contHandle) error {
				if err := c.SetProps(ctx, props); err != nil {
					return err
				}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(nil, func(w io.Writer) error {
					_, err := fmt.Fprintf(w, "Properties were successfully set on container %s\n", cont)
					return err
				})
			})
		},
	}
	cmd.Flags().StringVar(&propFlag, "properties", "", "properties to set, name:value,name:value")
	return cmd
}
