package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/vos"
)

// maxDumpBytes bounds what dump reads into memory: a sparse array's
// records from its first to its last extent can be far larger than what
// was written.
const maxDumpBytes = 1 << 30

// dumpReply describes what dump wrote; with --json and no --output it
// carries the bytes too (base64).
type dumpReply struct {
	Path       string     `json:"path"`
	Type       string     `json:"type"`
	Epoch      uint64     `json:"epoch"`
	Version    *int       `json:"version,omitempty"`
	RecordSize uint64     `json:"record_size,omitempty"`
	Extent     *extentRow `json:"extent,omitempty"`
	Bytes      int        `json:"bytes"`
	Output     string     `json:"output,omitempty"`
	Data       []byte     `json:"data,omitempty"`
}

type dumpFlags struct {
	epoch   uint64
	version int
	output  string
}

func dumpCommand(jsonOut *bool) *cobra.Command {
	var f dumpFlags
	cmd := &cobra.Command{
		Use:   "dump <pool-dir> /<cont>/<oid>/<dkey>/<akey>",
		Short: "Write an akey's value, or its array records, as of an epoch",
		Long: `Write an akey's value as a read at --epoch sees it (default: the newest):
a single value whole, or an array's records from the first written one to
the end of the last, holes as zeros. --version N writes stored version N
as ls lists it instead, whatever its visibility (uncommitted included).
The bytes go to stdout, or to --output.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			at, err := parsePath(args[1], vos.LevelAkey)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("epoch") && cmd.Flags().Changed("version") {
				return daos.Errorf(daos.ErrInval, "dump: --epoch and --version are alternatives")
			}
			return withPool(cmd.Context(), args[0], readOnly, func(p *vos.Pool) error {
				reply, err := dump(cmd.Context(), p, at, f)
				if err != nil {
					return fmt.Errorf("dump %s: %w", at, err)
				}
				return writeDump(cmd, jsonOut, reply, f.output)
			})
		},
	}
	cmd.Flags().Uint64Var(&f.epoch, "epoch", 0, "read as of this epoch; 0 reads the newest")
	cmd.Flags().IntVar(&f.version, "version", -1, "write stored version N (the # column of ls) instead")
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "write the bytes to this file instead of stdout")
	return cmd
}

// dump reads the bytes the flags ask for.
func dump(ctx context.Context, p *vos.Pool, at vos.Path, f dumpFlags) (*dumpReply, error) {
	vs, err := p.Versions(at.Cont, at.OID, at.Dkey, at.Akey)
	if err != nil {
		return nil, err
	}
	if f.version >= 0 {
		return dumpVersion(ctx, p, at, vs, f.version)
	}
	epoch := f.epoch
	if epoch == 0 {
		epoch = daos.EpochMax
	}
	typ, err := storedType(vs)
	if err != nil {
		return nil, err
	}
	if typ == daos.IODSingle {
		return dumpSingle(ctx, p, at, epoch)
	}
	return dumpArray(ctx, p, at, epoch)
}

// storedType is the one kind of version the akey holds.
func storedType(vs []vos.VersionInfo) (daos.IODType, error) {
	typ := daos.IODNone
	for _, v := range vs {
		if typ != daos.IODNone && v.Type != typ {
			return typ, daos.Errorf(daos.ErrDfInval, "the akey holds both single values and array extents; dump one with --version")
		}
		typ = v.Type
	}
	if typ == daos.IODNone {
		return typ, daos.Errorf(daos.ErrNonexist, "the akey holds no version, only punches")
	}
	return typ, nil
}

func dumpVersion(ctx context.Context, p *vos.Pool, at vos.Path, vs []vos.VersionInfo, index int) (*dumpReply, error) {
	if index >= len(vs) {
		return nil, daos.Errorf(daos.ErrNonexist, "no version %d: the akey stores %d (0 to %d)", index, len(vs), len(vs)-1)
	}
	v := vs[index]
	data, err := p.ReadVersion(ctx, at.Cont, at.OID, at.Dkey, at.Akey, v.Epoch, index)
	if err != nil {
		return nil, err
	}
	r := &dumpReply{Path: at.String(), Type: v.Type.String(), Epoch: v.Epoch, Version: &index, Data: data}
	if v.Type == daos.IODArray {
		r.RecordSize, r.Extent = v.Size, &extentRow{Idx: v.Recx.Idx, End: v.Recx.End()}
	}
	return r, nil
}

// dumpSingle reads the value through an ordinary fetch: first its size,
// then the value.
func dumpSingle(ctx context.Context, p *vos.Pool, at vos.Path, epoch daos.Epoch) (*dumpReply, error) {
	iod := daos.IOD{Name: at.Akey, Type: daos.IODSingle, Size: daos.RecAny}
	res, err := p.Fetch(ctx, at.Cont, at.OID, epoch, at.Dkey, []daos.IOD{iod}, vos.FetchOptions{})
	if err != nil {
		return nil, err
	}
	if res[0].Size == 0 {
		return nil, daos.Errorf(daos.ErrNonexist, "no value as of epoch %d (never written, removed, punched or not committed; ls lists every version, dump --version reads one)", epoch)
	}
	iod.Size = res[0].Size
	if res, err = p.Fetch(ctx, at.Cont, at.OID, epoch, at.Dkey, []daos.IOD{iod}, vos.FetchOptions{}); err != nil {
		return nil, err
	}
	return &dumpReply{Path: at.String(), Type: "single", Epoch: epoch, Data: res[0].Data}, nil
}

// dumpArray reads records from the first visible extent to the end of the
// last through an ordinary fetch.
func dumpArray(ctx context.Context, p *vos.Pool, at vos.Path, epoch daos.Epoch) (*dumpReply, error) {
	span, rsize, err := visibleSpan(p, at, epoch)
	if err != nil {
		return nil, err
	}
	if span.Nr > maxDumpBytes/rsize {
		return nil, daos.Errorf(daos.ErrNomem, "records %s of %d bytes exceed the %d-byte dump limit; dump single extents with --version", span, rsize, maxDumpBytes)
	}
	iod := daos.IOD{Name: at.Akey, Type: daos.IODArray, Size: rsize, Recxs: []daos.Recx{span}}
	res, err := p.Fetch(ctx, at.Cont, at.OID, epoch, at.Dkey, []daos.IOD{iod}, vos.FetchOptions{})
	if err != nil {
		return nil, err
	}
	return &dumpReply{Path: at.String(), Type: "array", Epoch: epoch, RecordSize: rsize,
		Extent: &extentRow{Idx: span.Idx, End: span.End()}, Data: res[0].Data}, nil
}

// visibleSpan is the range from the first visible record to the end of
// the last, and the record size.
func visibleSpan(p *vos.Pool, at vos.Path, epoch daos.Epoch) (daos.Recx, uint64, error) {
	var anchor vos.Anchor
	var first, end, rsize uint64
	seen := false
	for !anchor.EOF {
		exts, size, err := p.ListRecx(at.Cont, at.OID, epoch, at.Dkey, at.Akey, &anchor, 1024, vos.ReadOptions{})
		if err != nil {
			return daos.Recx{}, 0, err
		}
		for _, e := range exts {
			if !seen {
				first, seen = e.Recx.Idx, true
			}
			end = e.Recx.End()
		}
		if size != 0 {
			rsize = size
		}
	}
	if !seen {
		return daos.Recx{}, 0, daos.Errorf(daos.ErrNonexist, "no array records as of epoch %d (never written or punched)", epoch)
	}
	return daos.Recx{Idx: first, Nr: end - first}, rsize, nil
}

// writeDump sends the bytes to the file or stdout. Text mode writes them
// raw to stdout, so that they can be piped; a summary is printed only
// when they went to a file.
func writeDump(cmd *cobra.Command, jsonOut *bool, r *dumpReply, output string) error {
	r.Bytes = len(r.Data)
	if output != "" {
		if err := os.WriteFile(output, r.Data, 0o600); err != nil {
			return fmt.Errorf("dump %s: %w", r.Path, err)
		}
		r.Output, r.Data = output, nil
	}
	return printer(cmd, jsonOut).Print(r, func(w io.Writer) error {
		if output != "" {
			_, err := fmt.Fprintf(w, "wrote %d bytes of %s to %s\n", r.Bytes, r.Path, output)
			return err
		}
		_, err := w.Write(r.Data)
		return err
	})
}
