// Package dfs is a POSIX namespace (files, directories, symbolic links)
// kept in the objects of one container, with the semantics of DAOS's DFS
// API: lookup, open/create, read/write, truncate, stat, mkdir, readdir,
// remove and rename. Errors are syscall.Errno values (errors.Is(err,
// syscall.ENOENT)); Errno extracts the one a C caller returns.
//
// It is not a FUSE file system (cmd/dfuse builds on it) and does no
// caching: every call reads or writes the container, so handles held by
// other processes see changes at once.
//
// # On-disk layout (layout version 1)
//
// Integers are little-endian. Object ids reserved by the layout use the
// user bits of oid.hi = 1, which AllocOIDs never hands out (its ids go in
// oid.lo with the user bits of oid.hi zero):
//
//   - Superblock: a MULTI_HASHED object of class S1, user hi 1, lo 0. Its
//     dkey "/" holds two single values: akey "sb" (superblock record) and
//     akey "e" (the root directory's entry, so the root is an entry named
//     "/" like any other and stat/chmod of it work the same way).
//     Both are written with one conditional insert, so formatting twice is
//     EEXIST and a half-formatted container cannot exist.
//
//   - Superblock record: u32 magic 0xDA05AD10, u16 layout version, u16
//     reserved, u64 default chunk size, u32 default file object class, u32
//     default directory object class, u32 mode (relaxed/balanced).
//
//   - Root directory: user hi 1, lo 1 (its oid is also in its entry).
//
//   - Directory: a MULTI_HASHED object; each child is a dkey equal to its
//     name holding akey "e", a single value: the entry.
//
//   - Entry: u8 version (1), u32 mode (type and permission bits), u64
//     oid.hi, u64 oid.lo, i64 atime, i64 mtime, i64 ctime (ns since the
//     epoch), u32 uid, u32 gid, u64 chunk size, u32 object class, u16
//     symlink target length, target bytes. A directory's chunk size and
//     class are explicit defaults for what is created in it, inherited by
//     its subdirectories (0: the container's defaults).
//
//   - File: an ARRAY_BYTE object of cell size 1 whose chunk size is the
//     entry's; it has no metadata of its own (everything is in the entry),
//     so creating a file is one conditional insert into its parent.
//
//   - Symbolic link: only an entry; the target is stored in it.
//
//   - Extended attribute: akey "x:" + name beside "e" under the entry's
//     dkey, a single value of a marker byte (0: empty value, 1: not)
//     then the value; so attributes go with the entry when it is removed
//     and Move writes them with the entry in one update.
//
//   - Move mark: akey "m" beside "e" while a rename across directories
//     runs: u8 kind (1: this entry is the source, 2: the destination),
//     u64 oid.hi, u64 oid.lo of the directory at the other end, u64
//     rename id, i64 start (ns since the epoch), then the name at the
//     other end. See movemark.go for the protocol; entries without "m"
//     are the usual case and cost nothing extra to read (one fetch asks
//     for both akeys).
//
// Object ids for new files and directories come from the container's
// allocator (AllocOIDs) in batches, one batch per FS handle at a time.
//
// Renames within a directory are one batch on the directory object's
// target (when its names live in one group, as with the default
// classes): atomic for readers and across crashes. Across directories a
// rename marks both ends so that any client finishes or undoes it after
// a crash; lookups, stats and ReaddirEntries never show both names, but
// Readdir (names only) may list a source whose rename committed and was
// not finished yet, until something looks it up. Not done yet: mtime
// updates on write (a file's mtime changes only by SetAttr or a size
// change through it).
package dfs
