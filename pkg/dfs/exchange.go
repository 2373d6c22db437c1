package dfs

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"syscall"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

// Exchange swaps the entries name1 of parent1 and name2 of parent2 (nil:
// the root), each keeping its attributes (dfs_exchange, renameat2's
// RENAME_EXCHANGE). Both must exist (ENOENT); a directory cannot be
// swapped into its own subtree (EINVAL). Within one directory the swap is
// one batch, atomic like Move; across two it is three crash-safe renames
// through a temporary name, not atomic for readers (who may briefly see
// name1 missing) but never leaving an object without a name.
func (fs *FS) Exchange(ctx context.Context, parent1 *Obj, name1 string, parent2 *Obj, name2 string) error {
	for _, n := range []string{name1, name2} {
		if err := checkName("exchange", n); err != nil {
			return err
		}
	}
	if err := fs.writable("exchange", name1); err != nil {
		return err
	}
	d1, err := fs.dirObj("exchange", parent1)
	if err != nil {
		return err
	}
	d2, err := fs.dirObj("exchange", parent2)
	if err != nil {
		return err
	}
	if d1.ent.OID == d2.ent.OID && name1 == name2 {
		return nil
	}
	e1, err := fs.entryToChange(ctx, d1.dir, name1)
	if err != nil {
		return wrap("exchange", name1, err)
	}
	e2, err := fs.entryToChange(ctx, d2.dir, name2)
	if err != nil {
		return wrap("exchange", name2, err)
	}
	into := func(e *entry, d *Obj) bool {
		return isDir(e.Mode) && (e.OID == d.ent.OID || slices.Contains(d.ancestors, e.OID))
	}
	if into(e1, d2) || into(e2, d1) {
		return fail("exchange: into itself", name1, syscall.EINVAL)
	}
	x1, v1, err := fs.xattrsOf(ctx, d1.dir, name1)
	if err != nil {
		return wrap("exchange: read extended attributes", name1, err)
	}
	x2, v2, err := fs.xattrsOf(ctx, d2.dir, name2)
	if err != nil {
		return wrap("exchange: read extended attributes", name2, err)
	}
	t := now()
	e1.Ctime, e2.Ctime = t, t
	// What goes under each name: the other's entry and attributes, and
	// out, the attributes only the name's own entry had.
	put1, put2 := withEntry(x2, v2, e2), withEntry(x1, v1, e1)
	steps := []client.BatchStep{
		{Kind: client.BatchUpdate, Dkey: []byte(name1), IODs: put1.iods, Data: put1.vals, Flags: daos.CondDkeyUpdate},
		{Kind: client.BatchUpdate, Dkey: []byte(name2), IODs: put2.iods, Data: put2.vals, Flags: daos.CondDkeyUpdate},
	}
	if stale := staleNames(x1, x2); len(stale) > 0 {
		steps = append(steps, client.BatchStep{Kind: client.BatchPunchAkeys, Dkey: []byte(name1), Akeys: stale})
	}
	if stale := staleNames(x2, x1); len(stale) > 0 {
		steps = append(steps, client.BatchStep{Kind: client.BatchPunchAkeys, Dkey: []byte(name2), Akeys: stale})
	}
	if d1.ent.OID == d2.ent.OID {
		_, err := d1.dir.Batch(ctx, steps)
		if !errors.Is(err, daos.ErrNotsupported) {
			return wrap("exchange", name1, err)
		}
	}
	// Across directories (or groups): three renames through a temporary
	// name beside name2, each of them crash-safe, so that a crash part
	// way leaves every object under one name (at worst the temporary
	// one), never under none.
	tmp := fmt.Sprintf(".dfs-exchange.%016x", rand.Uint64())
	if _, err := fs.move(ctx, parent1, name1, parent2, tmp, true, nil); err != nil {
		return wrap("exchange: set aside", name1, err)
	}
	if _, err := fs.move(ctx, parent2, name2, parent1, name1, true, nil); err != nil {
		// Put the first back; the exchange did not happen.
		_, _ = fs.move(context.WithoutCancel(ctx), parent2, tmp, parent1, name1, true, nil)
		return wrap("exchange", name2, err)
	}
	if _, err := fs.move(ctx, parent2, tmp, parent2, name2, true, nil); err != nil {
		return wrap("exchange: put in place", name2, err)
	}
	return nil
}

type iodVals struct {
	iods []daos.IOD
	vals [][]byte
}

// withEntry is attributes plus the encoded entry e, ready to write.
func withEntry(iods []daos.IOD, vals [][]byte, e *entry) iodVals {
	b := e.encode()
	return iodVals{
		iods: append(slices.Clone(iods), daos.IOD{Name: entAkey, Type: daos.IODSingle, Size: uint64(len(b))}),
		vals: append(slices.Clone(vals), b),
	}
}

// staleNames are the akeys of own that others lacks.
func staleNames(own, others []daos.IOD) [][]byte {
	var out [][]byte
	for _, o := range own {
		if !slices.ContainsFunc(others, func(x daos.IOD) bool { return string(x.Name) == string(o.Name) }) {
			out = append(out, o.Name)
		}
	}
	return out
}
