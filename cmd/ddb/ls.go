package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/pretty"
	"github.com/daos-go/daos/pkg/vos"
)

func lsCommand(jsonOut *bool) *cobra.Command {
	return &cobra.Command{
		Use:   "ls <pool-dir> [path]",
		Short: "List what a VOS pool stores at a path",
		Long: `List what a VOS pool stores at a path, as stored rather than as a read
sees it: punched, removed and uncommitted entries are listed too.

  (no path)                     containers, with their object counts
  /<cont>                       objects (oid hi.lo)
  /<cont>/<oid>                 dkeys
  /<cont>/<oid>/<dkey>          akeys, with type and version count
  /<cont>/<oid>/<dkey>/<akey>   versions: epoch, size, transaction (0 =
                                committed) and where the bytes are

Keys are printed as text when printable, else as 0x and hex; paths take
either form.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			at := vos.Path{}
			if len(args) == 2 {
				var err error
				if at, err = vos.ParsePath(args[1]); err != nil {
					return err
				}
			}
			return withPool(cmd.Context(), args[0], readOnly, func(p *vos.Pool) error {
				l, err := list(p, at)
				if err != nil {
					return fmt.Errorf("ls %s: %w", at, err)
				}
				return printer(cmd, jsonOut).Print(l, l.text)
			})
		},
	}
}

// listing is what ls prints at one level; its fields are the --json reply.
type listing interface {
	text(w io.Writer) error
}

// list gathers what is stored at a path.
func list(p *vos.Pool, at vos.Path) (listing, error) {
	switch at.Level {
	case vos.LevelPool:
		return listContainers(p), nil
	case vos.LevelContainer:
		return listObjects(p, at)
	case vos.LevelObject:
		return listDkeys(p, at)
	case vos.LevelDkey:
		return listAkeys(p, at)
	default:
		return listVersions(p, at)
	}
}

type containerListing struct {
	Path       string         `json:"path"`
	Containers []containerRow `json:"containers"`
}

type containerRow struct {
	UUID            string   `json:"uuid"`
	Objects         int      `json:"objects"`
	AggregatedEpoch uint64   `json:"aggregated_epoch"`
	Snapshots       []uint64 `json:"snapshots"`
	OpenTxs         []uint64 `json:"open_txs"`
}

func listContainers(p *vos.Pool) *containerListing {
	l := &containerListing{Path: "/", Containers: []containerRow{}}
	for _, c := range p.ListContainersInfo() {
		txs := make([]uint64, 0, len(c.OpenTxs))
		for _, tx := range c.OpenTxs {
			txs = append(txs, uint64(tx))
		}
		l.Containers = append(l.Containers, containerRow{UUID: c.ID.String(), Objects: c.Objects,
			AggregatedEpoch: c.Aggregated, Snapshots: append([]uint64{}, c.Snapshots...), OpenTxs: txs})
	}
	return l
}

func (l *containerListing) text(w io.Writer) error {
	rows := make([][]string, 0, len(l.Containers))
	for _, c := range l.Containers {
		rows = append(rows, []string{c.UUID, strconv.Itoa(c.Objects), epochOrDash(c.AggregatedEpoch),
			joinNumbers(c.Snapshots), joinNumbers(c.OpenTxs)})
	}
	return pretty.Table(w, "", []string{"Container", "Objects", "Aggregated", "Snapshots", "Open txs"}, rows)
}

// punchRow is one punch in --json replies.
type punchRow struct {
	Epoch uint64 `json:"epoch"`
	Tx    uint64 `json:"tx"`
}

func punchRows(ps []vos.PunchInfo) []punchRow {
	out := make([]punchRow, 0, len(ps))
	for _, p := range ps {
		out = append(out, punchRow{Epoch: p.Epoch, Tx: uint64(p.Tx)})
	}
	return out
}

// punchText lists punch epochs, marking uncommitted ones with their
// transaction.
func punchText(ps []punchRow) string {
	if len(ps) == 0 {
		return "-"
	}
	var out []string
	for _, p := range ps {
		s := strconv.FormatUint(p.Epoch, 10)
		if p.Tx != 0 {
			s += fmt.Sprintf(" (tx %d)", p.Tx)
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

type objectListing struct {
	Path    string      `json:"path"`
	Objects []objectRow `json:"objects"`
}

type objectRow struct {
	OID     string     `json:"oid"`
	Dkeys   int        `json:"dkeys"`
	Punches []punchRow `json:"punches"`
}

func listObjects(p *vos.Pool, at vos.Path) (*objectListing, error) {
	objs, err := p.ListObjectInfo(at.Cont)
	if err != nil {
		return nil, err
	}
	l := &objectListing{Path: at.String(), Objects: []objectRow{}}
	for _, o := range objs {
		l.Objects = append(l.Objects, objectRow{OID: o.OID.String(), Dkeys: o.Dkeys, Punches: punchRows(o.Punches)})
	}
	return l, nil
}

func (l *objectListing) text(w io.Writer) error {
	rows := make([][]string, 0, len(l.Objects))
	for _, o := range l.Objects {
		rows = append(rows, []string{o.OID, strconv.Itoa(o.Dkeys), punchText(o.Punches)})
	}
	return pretty.Table(w, "", []string{"Object", "Dkeys", "Punched at"}, rows)
}

type dkeyListing struct {
	Path  string    `json:"path"`
	Dkeys []dkeyRow `json:"dkeys"`
}

type dkeyRow struct {
	Dkey    string     `json:"dkey"`
	Akeys   int        `json:"akeys"`
	Punches []punchRow `json:"punches"`
}

func listDkeys(p *vos.Pool, at vos.Path) (*dkeyListing, error) {
	dkeys, err := p.ListDkeyInfo(at.Cont, at.OID)
	if err != nil {
		return nil, err
	}
	l := &dkeyListing{Path: at.String(), Dkeys: []dkeyRow{}}
	for _, d := range dkeys {
		l.Dkeys = append(l.Dkeys, dkeyRow{Dkey: vos.FormatKey(d.Name), Akeys: d.Akeys, Punches: punchRows(d.Punches)})
	}
	return l, nil
}

func (l *dkeyListing) text(w io.Writer) error {
	rows := make([][]string, 0, len(l.Dkeys))
	for _, d := range l.Dkeys {
		rows = append(rows, []string{d.Dkey, strconv.Itoa(d.Akeys), punchText(d.Punches)})
	}
	return pretty.Table(w, "", []string{"Dkey", "Akeys", "Punched at"}, rows)
}

type akeyListing struct {
	Path  string    `json:"path"`
	Akeys []akeyRow `json:"akeys"`
}

type akeyRow struct {
	Akey     string     `json:"akey"`
	Type     string     `json:"type"`
	Versions int        `json:"versions"`
	Punches  []punchRow `json:"punches"`
}

func listAkeys(p *vos.Pool, at vos.Path) (*akeyListing, error) {
	akeys, err := p.ListAkeyInfo(at.Cont, at.OID, at.Dkey)
	if err != nil {
		return nil, err
	}
	l := &akeyListing{Path: at.String(), Akeys: []akeyRow{}}
	for _, a := range akeys {
		l.Akeys = append(l.Akeys, akeyRow{Akey: vos.FormatKey(a.Name), Type: akeyType(a),
			Versions: a.Singles + a.Extents, Punches: punchRows(a.Punches)})
	}
	return l, nil
}

// akeyType names what an akey holds; "mixed" is an index DAOS would not
// write, worth seeing in a debug tool.
func akeyType(a vos.AkeyInfo) string {
	if a.Singles > 0 && a.Extents > 0 {
		return "mixed"
	}
	return a.Type().String() // single, array, or none (only punches)
}

func (l *akeyListing) text(w io.Writer) error {
	rows := make([][]string, 0, len(l.Akeys))
	for _, a := range l.Akeys {
		rows = append(rows, []string{a.Akey, a.Type, strconv.Itoa(a.Versions), punchText(a.Punches)})
	}
	return pretty.Table(w, "", []string{"Akey", "Type", "Versions", "Punched at"}, rows)
}

type versionListing struct {
	Path     string       `json:"path"`
	Punches  []punchRow   `json:"punches"`
	Versions []versionRow `json:"versions"`
}

type versionRow struct {
	Index int    `json:"index"`
	Type  string `json:"type"`
	Epoch uint64 `json:"epoch"`
	Tx    uint64 `json:"tx"`
	// Size is the value size (single) or the record size (array).
	Size    uint64     `json:"size"`
	Extent  *extentRow `json:"extent,omitempty"`
	Where   string     `json:"where"`
	Removal bool       `json:"removal"`
	Csum    string     `json:"csum,omitempty"`
}

// extentRow is an array extent [Idx, End).
type extentRow struct {
	Idx uint64 `json:"idx"`
	End uint64 `json:"end"`
}

func listVersions(p *vos.Pool, at vos.Path) (*versionListing, error) {
	vs, err := p.Versions(at.Cont, at.OID, at.Dkey, at.Akey)
	if err != nil {
		return nil, err
	}
	punches, err := akeyPunches(p, at)
	if err != nil {
		return nil, err
	}
	l := &versionListing{Path: at.String(), Punches: punches, Versions: []versionRow{}}
	for _, v := range vs {
		l.Versions = append(l.Versions, newVersionRow(v))
	}
	return l, nil
}

// akeyPunches finds the punches recorded on the akey itself.
func akeyPunches(p *vos.Pool, at vos.Path) ([]punchRow, error) {
	akeys, err := p.ListAkeyInfo(at.Cont, at.OID, at.Dkey)
	if err != nil {
		return nil, err
	}
	for _, a := range akeys {
		if string(a.Name) == string(at.Akey) {
			return punchRows(a.Punches), nil
		}
	}
	return []punchRow{}, nil
}

func newVersionRow(v vos.VersionInfo) versionRow {
	r := versionRow{Index: v.Index, Type: v.Type.String(), Epoch: v.Epoch, Tx: uint64(v.Tx), Size: v.Size,
		Where: v.Where(), Removal: v.Removal(), Csum: hex.EncodeToString(v.Csum)}
	if v.Type == daos.IODArray {
		r.Extent = &extentRow{Idx: v.Recx.Idx, End: v.Recx.End()}
	}
	return r
}

// text prints single values and array extents as separate tables, since
// their columns differ; an akey normally holds only one kind.
func (l *versionListing) text(w io.Writer) error {
	if len(l.Punches) > 0 {
		fmt.Fprintf(w, "Punched at: %s\n\n", punchText(l.Punches))
	}
	var singles, extents [][]string
	for _, v := range l.Versions {
		index, epoch, tx := strconv.Itoa(v.Index), strconv.FormatUint(v.Epoch, 10), strconv.FormatUint(v.Tx, 10)
		if v.Extent == nil {
			singles = append(singles, []string{index, epoch, strconv.FormatUint(v.Size, 10), tx, v.Where, yesNo(v.Removal)})
		} else {
			extent := fmt.Sprintf("[%d, %d)", v.Extent.Idx, v.Extent.End)
			extents = append(extents, []string{index, extent, epoch, strconv.FormatUint(v.Size, 10), tx, v.Where, yesNo(v.Removal)})
		}
	}
	if len(singles) > 0 || len(extents) == 0 {
		if err := pretty.Table(w, "", []string{"#", "Epoch", "Size", "Tx", "Where", "Removal"}, singles); err != nil {
			return err
		}
	}
	if len(extents) > 0 {
		if len(singles) > 0 {
			fmt.Fprintln(w)
		}
		return pretty.Table(w, "", []string{"#", "Extent", "Epoch", "Record size", "Tx", "Where", "Punched"}, extents)
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func epochOrDash(e uint64) string {
	if e == 0 {
		return "-"
	}
	return strconv.FormatUint(e, 10)
}

func joinNumbers(ns []uint64) string {
	if len(ns) == 0 {
		return "-"
	}
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.FormatUint(n, 10)
	}
	return strings.Join(s, ",")
}
