"""pydaos: Python access to a DAOS container through libdaos (ctypes).

    with pydaos.DCont("mypool", "mycont") as cont:
        d = cont.dict("settings")          # a DAOS KV object
        d["colour"] = b"blue"
        d.bput({"a": b"1", "b": b"2"})     # many puts in flight
        arr = cont.array("blob")           # a DAOS array of bytes
        arr.write(0, b"hello")

Objects are named, and a name maps to an object id by hashing (see
name_oid); there is no name table, so every process that opens the same
name in the same container gets the same object. See README.md.
"""

import collections.abc
import ctypes
import hashlib
import threading
import weakref

from . import _capi
from ._capi import (DaosError, DER_EXIST, DER_INVAL, DER_KEY2BIG,  # noqa: F401 (re-exported)
                    DER_NO_HDL, DER_NO_PERM, DER_NONEXIST, DER_REC2BIG)

__all__ = ["DCont", "DDict", "DArray", "DaosError", "name_oid",
           "DER_EXIST", "DER_INVAL", "DER_NONEXIST", "DER_NO_PERM", "DER_REC2BIG"]

_NO_TX = _capi.Handle(0)  # DAOS_TX_NONE: the library has no transactions yet

# Personalisation of the name hash, so the oids pydaos derives do not
# coincide with those of another scheme hashing the same names.
_OID_PERSON = b"pydaos-name-v1"


def name_oid(coh, name, otype):
    """The object id pydaos uses for `name` with object type otype.

    The library has no object-name table yet, so the id is derived from
    the name alone: the first 96 bits of BLAKE2b(name) fill the user part
    of the id (all 64 bits of oid.lo and bits 0-31 of oid.hi), then
    daos_obj_generate_oid adds the type and class (OC_SX: spread over every
    target). The result is the same in every process for the same
    container, so a name can be opened anywhere without coordination; a
    dict and an array of the same name are different objects (the type is
    part of the id). Two names collide with probability ~2^-96.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"object name must be a non-empty str, not {name!r}")
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=12, person=_OID_PERSON).digest()
    oid = _capi.ObjId(int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:], "little"))
    lib = _capi.lib()
    lib.check(lib.generate_oid(coh, ctypes.byref(oid), otype, _capi.OC_SX, 0, 0),
              f"daos_obj_generate_oid({name!r})")
    return oid


def _key(key):
    """A KV key as the NUL-terminated bytes the C API takes."""
    if not isinstance(key, str):
        raise TypeError(f"DDict keys are str, not {type(key).__name__}")
    b = key.encode("utf-8")
    if b"\0" in b:
        raise ValueError(f"DDict key {key!r} contains NUL (keys are C strings)")
    return b


def _cbuf(data):
    """(address, keepalive) of data's bytes for the C side to read; the
    keepalive must outlive the call. bytes and writable buffers are used
    in place; anything else buffer-like is copied once."""
    if isinstance(data, bytes):
        p = ctypes.c_char_p(data)
        return ctypes.cast(p, ctypes.c_void_p).value, (data, p)
    mv = memoryview(data)
    if not mv.contiguous or mv.readonly or mv.nbytes == 0:
        b = mv.tobytes()
        p = ctypes.c_char_p(b)
        return ctypes.cast(p, ctypes.c_void_p).value, (b, p)
    arr = (ctypes.c_char * mv.nbytes).from_buffer(mv.cast("B"))
    return ctypes.addressof(arr), arr


def _value(value):
    """A DDict value: non-empty bytes, or any bytes-like object (copied to
    bytes). Empty values are refused here because daos_kv_put refuses a
    0-byte value (DER_INVAL) and a get could not tell one from a missing
    key anyway."""
    if isinstance(value, (bytearray, memoryview)):
        value = bytes(value)
    if not isinstance(value, bytes):
        raise TypeError(f"DDict values are bytes, not {type(value).__name__}")
    if not value:
        raise ValueError("DDict values cannot be empty (DAOS KV stores no 0-byte values)")
    return value


class _Inflight:
    """Up to `depth` asynchronous calls in flight on a private event queue.

    submit() launches a call on a free event (waiting for one to complete
    when all are busy); each completion is handed to its callback with the
    event's ev_error. The events live in one ctypes array that never moves,
    as the library requires. close() always waits for every launched call
    before freeing the events, even when a callback or launch failed.
    """

    def __init__(self, depth=64):
        self._lib = _capi.lib()
        self._depth = depth
        self._eq = _capi.Handle()
        self._lib.check(self._lib.eq_create(ctypes.byref(self._eq)), "daos_eq_create")
        self._events = (_capi.Event * depth)()
        self._base = ctypes.addressof(self._events)
        self._done = [None] * depth
        self._free = []
        self._inited = 0
        self._polled = (ctypes.POINTER(_capi.Event) * depth)()
        try:
            for i in range(depth):
                ev = ctypes.byref(self._events[i])
                self._lib.check(self._lib.event_init(ev, self._eq, None), "daos_event_init")
                self._inited += 1
                self._free.append(i)
        except BaseException:
            self._teardown()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def submit(self, launch, done):
        """Run launch(event pointer) -> rc; done(rc) runs when it completes
        (rc is ev_error), or at once with the launch error if it fails to
        start."""
        while not self._free:
            self._poll()
        i = self._free.pop()
        rc = launch(ctypes.byref(self._events[i]))
        if rc != 0:
            self._free.append(i)
            done(rc)
            return
        self._done[i] = done

    def _poll(self):
        n = self._lib.eq_poll(self._eq, 0, _capi.DAOS_EQ_WAIT, self._depth, self._polled)
        if n < 0:
            raise self._lib.error(n, "daos_eq_poll")
        size = ctypes.sizeof(_capi.Event)
        for j in range(n):
            i = (ctypes.addressof(self._polled[j].contents) - self._base) // size
            assert 0 <= i < self._depth and self._done[i] is not None, "poll returned a foreign event"
            done, self._done[i] = self._done[i], None
            self._free.append(i)
            done(self._events[i].ev_error)

    def close(self):
        """Wait for everything launched, then free the events and the EQ."""
        while len(self._free) < self._inited:
            self._poll()
        self._teardown()

    def _teardown(self):
        for i in range(self._inited):
            self._lib.event_fini(ctypes.byref(self._events[i]))
        self._inited = 0
        if self._eq.cookie:
            self._lib.eq_destroy(self._eq, 0)
            self._eq = _capi.Handle()


class _Object:
    """What DDict and DArray share: a handle, its container, and close()."""

    _close_fn = None  # name of the _capi function that closes the handle

    def __init__(self, cont, name, oid, oh):
        self.cont = cont
        self.name = name
        self.oid = (oid.lo, oid.hi)
        self._oh = oh
        self._lock = threading.Lock()
        cont._adopt(self)

    def _h(self):
        oh = self._oh
        if oh is None:
            raise ValueError(f"{type(self).__name__} {self.name!r} is closed")
        return oh

    def close(self):
        """Close the object handle (idempotent)."""
        with self._lock:
            oh, self._oh = self._oh, None
        if oh is not None and _capi.alive():
            lib = _capi.lib()
            lib.check(getattr(lib, self._close_fn)(oh, None), f"close {self.name!r}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # a finaliser cannot report; the handle dies with the process
            pass

    def __repr__(self):
        state = "closed" if self._oh is None else "open"
        return f"<{type(self).__name__} {self.name!r} in {self.cont!r} ({state})>"


class DDict(_Object, collections.abc.MutableMapping):
    """A dictionary of str keys and bytes values stored in a DAOS KV object
    (DAOS_OT_KV_HASHED). Every operation goes to the servers: there is no
    cache, so other processes' changes are seen at once. len() and
    iteration list the whole object (daos_kv_list, page by page).
    """

    _close_fn = "kv_close"
    # A DDict is a handle on remote data: equal only to itself (comparing
    # contents would read both objects), and hashable so its container
    # can track it.
    __eq__ = object.__eq__
    __hash__ = object.__hash__
    LIST_PAGE_KEYS = 64       # keys asked for per daos_kv_list call
    LIST_BUF_BYTES = 16384    # initial key buffer; grows on DER_KEY2BIG
    BATCH_DEPTH = 64          # calls in flight in bput/bget
    BGET_BUF_BYTES = 16384    # per-get buffer in bget; larger values are refetched

    def __getitem__(self, key):
        v = self._get(_key(key))
        if v is None:
            raise KeyError(key)
        return v

    def _get(self, k):
        """The value of key k (bytes), or None when it is missing."""
        lib = _capi.lib()
        oh = self._h()
        size = ctypes.c_uint64(0)
        # The size query, then the read; a value that grows in between
        # gives DER_REC2BIG with the new size, so try again with that.
        rc = lib.kv_get(oh, _NO_TX, _capi.DAOS_COND_KEY_GET, k, ctypes.byref(size), None, None)
        for _ in range(8):
            if rc == -DER_NONEXIST:
                return None
            if rc != -DER_REC2BIG:  # REC2BIG: size holds the new size
                lib.check(rc, f"daos_kv_get({k!r})")
            if size.value == 0:
                return b""
            buf = ctypes.create_string_buffer(size.value)
            rc = lib.kv_get(oh, _NO_TX, _capi.DAOS_COND_KEY_GET, k, ctypes.byref(size), buf, None)
            if rc == 0:
                return buf.raw[:size.value]
        raise lib.error(-DER_REC2BIG, f"daos_kv_get({k!r}): value keeps growing")

    def __setitem__(self, key, value):
        k, v = _key(key), _value(value)
        lib = _capi.lib()
        lib.check(lib.kv_put(self._h(), _NO_TX, 0, k, len(v), v, None), f"daos_kv_put({key!r})")

    def __delitem__(self, key):
        k = _key(key)
        lib = _capi.lib()
        # DAOS_COND_KEY_REMOVE makes a missing key an error, which dict
        # semantics need (del of a missing key is a KeyError).
        rc = lib.kv_remove(self._h(), _NO_TX, _capi.DAOS_COND_KEY_REMOVE, k, None)
        if rc == -DER_NONEXIST:
            raise KeyError(key)
        lib.check(rc, f"daos_kv_remove({key!r})")

    def __contains__(self, key):
        if not isinstance(key, str):
            return False
        k = _key(key)
        lib = _capi.lib()
        size = ctypes.c_uint64(0)
        rc = lib.kv_get(self._h(), _NO_TX, _capi.DAOS_COND_KEY_GET, k, ctypes.byref(size), None, None)
        if rc == -DER_NONEXIST:
            return False
        lib.check(rc, f"daos_kv_get({key!r})")
        return True

    def pages(self):
        """Yield the keys a page (one daos_kv_list call) at a time.

        Keys added or removed while the listing runs may or may not be
        seen; every key present throughout is seen exactly once.
        """
        lib = _capi.lib()
        oh = self._h()
        anchor = _capi.Anchor()
        nkeys = self.LIST_PAGE_KEYS
        kds = (_capi.KeyDesc * nkeys)()
        buf = ctypes.create_string_buffer(self.LIST_BUF_BYTES)
        iov = _capi.Iov()
        sgl = _capi.SgList(1, 0, ctypes.pointer(iov))
        while anchor.da_type != _capi.DAOS_ANCHOR_TYPE_EOF:
            nr = ctypes.c_uint32(nkeys)
            iov.iov_buf = ctypes.addressof(buf)
            iov.iov_buf_len = iov.iov_len = len(buf)
            rc = lib.kv_list(oh, _NO_TX, ctypes.byref(nr), kds, ctypes.byref(sgl), ctypes.byref(anchor), None)
            if rc == -DER_KEY2BIG:
                # The next key does not fit; kds[0] holds its length.
                need = kds[0].kd_key_len
                if need <= len(buf):
                    raise lib.error(rc, f"daos_kv_list: DER_KEY2BIG asking for {need} bytes "
                                        f"with a {len(buf)}-byte buffer")
                buf = ctypes.create_string_buffer(max(need, 2 * len(buf)))
                continue
            lib.check(rc, "daos_kv_list")
            raw = buf.raw
            keys, off = [], 0
            for i in range(nr.value):
                n = kds[i].kd_key_len
                keys.append(raw[off:off + n].decode("utf-8"))
                off += n
            if keys:
                yield keys

    def __iter__(self):
        for page in self.pages():
            yield from page

    def __len__(self):
        return sum(len(p) for p in self.pages())

    def keys(self):
        """Every key, as a list (one listing of the object)."""
        return list(self)

    def items(self):
        """Every (key, value) pair, as a list: each page of keys is read
        with bget, so values come with many gets in flight. Keys removed
        between listing and reading are left out."""
        out = []
        for page in self.pages():
            got = self.bget(page)
            out.extend((k, got[k]) for k in page if got[k] is not None)
        return out

    def values(self):
        """Every value, as a list (see items)."""
        return [v for _, v in self.items()]

    def bput(self, mapping):
        """Put every pair of mapping, up to BATCH_DEPTH puts in flight.

        All keys and values are checked before anything is written. If
        some puts fail, the others still complete, and the first failure
        is raised as a DaosError once all have finished.
        """
        pairs = [(_key(k), _value(v), k) for k, v in dict(mapping).items()]
        lib = _capi.lib()
        oh = self._h()
        errors = []

        def one(k, v, key):
            def launch(ev):
                return lib.kv_put(oh, _NO_TX, 0, k, len(v), v, ev)

            def done(rc):
                # Referencing k and v here keeps the buffers alive until
                # the put completes.
                if rc != 0 and not errors:
                    errors.append(lib.error(rc, f"daos_kv_put({key!r}) {len(k) + len(v)} bytes"))
            return launch, done

        with _Inflight(self.BATCH_DEPTH) as q:
            for k, v, key in pairs:
                q.submit(*one(k, v, key))
        if errors:
            raise errors[0]

    def bget(self, keys):
        """{key: value} for every key in keys, up to BATCH_DEPTH gets in
        flight; a missing key maps to None. The first error other than a
        missing key is raised after all gets have finished."""
        wanted = [(_key(k), k) for k in keys]
        lib = _capi.lib()
        oh = self._h()
        out, big, errors = {}, [], []
        cap = self.BGET_BUF_BYTES

        def one(k, key):
            size = ctypes.c_uint64(cap)
            buf = ctypes.create_string_buffer(cap)

            def launch(ev):
                size.value = cap
                return lib.kv_get(oh, _NO_TX, _capi.DAOS_COND_KEY_GET, k, ctypes.byref(size), buf, ev)

            def done(rc):
                if rc == 0:
                    out[key] = buf.raw[:size.value]
                elif rc == -DER_NONEXIST:
                    out[key] = None
                elif rc == -DER_REC2BIG:
                    big.append((k, key))
                elif not errors:
                    errors.append(lib.error(rc, f"daos_kv_get({key!r})"))
            return launch, done

        with _Inflight(self.BATCH_DEPTH) as q:
            for k, key in wanted:
                q.submit(*one(k, key))
        if errors:
            raise errors[0]
        # Values too big for the per-get buffer: read them one by one with
        # a size query first.
        for k, key in big:
            out[key] = self._get(k)
        return out


class DArray(_Object):
    """A DAOS array object (DAOS_OT_ARRAY, attributes stored in the
    object): cells of cell_size bytes, chunk_size cells per dkey.
    Offsets and lengths are in cells; data is bytes (cell_size bytes per
    cell). Holes below the size read as zeros.
    """

    _close_fn = "array_close"

    def __init__(self, cont, name, oid, oh, cell_size, chunk_size):
        super().__init__(cont, name, oid, oh)
        self.cell_size = cell_size
        self.chunk_size = chunk_size

    def _io(self, fn, offset, ncells, addr, what):
        lib = _capi.lib()
        rg = _capi.Range(offset, ncells)
        iod = _capi.ArrayIod(1, ctypes.pointer(rg), 0, 0)
        nbytes = ncells * self.cell_size
        iov = _capi.Iov(addr, nbytes, nbytes)
        sgl = _capi.SgList(1, 0, ctypes.pointer(iov))
        lib.check(fn(self._h(), _NO_TX, ctypes.byref(iod), ctypes.byref(sgl), None),
                  f"{what}({self.name!r}, cells {offset}+{ncells})")
        return iod

    def write(self, offset, data):
        """Write data (a whole number of cells) starting at cell offset."""
        if offset < 0:
            raise ValueError(f"negative offset {offset}")
        n = memoryview(data).nbytes
        if n % self.cell_size:
            raise ValueError(f"{n} bytes is not a whole number of {self.cell_size}-byte cells")
        if n == 0:
            return
        addr, keep = _cbuf(data)
        self._io(_capi.lib().array_write, offset, n // self.cell_size, addr, "daos_array_write")
        del keep

    def read(self, offset, length):
        """Up to length cells from cell offset, as bytes; shorter only
        when the array ends before offset + length."""
        if offset < 0 or length < 0:
            raise ValueError(f"negative offset {offset} or length {length}")
        if length == 0:
            return b""
        buf = ctypes.create_string_buffer(length * self.cell_size)
        iod = self._io(_capi.lib().array_read, offset, length, ctypes.addressof(buf), "daos_array_read")
        # arr_nr_read counts the cells below the array's size; the rest of
        # the range lies past the end and is not data.
        got = min(iod.arr_nr_read, length)
        return buf.raw[:got * self.cell_size]

    @property
    def size(self):
        """Cells in the array: 1 + the highest cell written, or as set by
        truncate."""
        lib = _capi.lib()
        n = ctypes.c_uint64(0)
        lib.check(lib.array_get_size(self._h(), _NO_TX, ctypes.byref(n), None),
                  f"daos_array_get_size({self.name!r})")
        return n.value

    def __len__(self):
        return self.size

    def truncate(self, size):
        """Set the size to `size` cells: cells past it are removed, and
        growing leaves a hole that reads as zeros."""
        if size < 0:
            raise ValueError(f"negative size {size}")
        lib = _capi.lib()
        lib.check(lib.array_set_size(self._h(), _NO_TX, size, None),
                  f"daos_array_set_size({self.name!r}, {size})")


class DCont:
    """An open container: connects to `pool` (label or UUID) read-write and
    opens container `cont` (label or UUID) read-write.

    create=True creates a container labelled `cont` when there is none
    (daos_cont_create_with_label). close() closes every DDict and DArray
    made from this container, then the container and the pool; so does
    leaving a `with` block.
    """

    def __init__(self, pool, cont, create=False):
        self.pool = pool
        self.cont = cont
        self._lib = _capi.lib()
        self._poh = None
        self._coh = None
        self._lock = threading.Lock()
        self._objects = weakref.WeakSet()
        lib = self._lib
        poh = _capi.Handle()
        lib.check(lib.pool_connect(pool.encode(), None, _capi.DAOS_PC_RW, ctypes.byref(poh), None, None),
                  f"daos_pool_connect({pool!r})")
        self._poh = poh
        _capi.track(self)
        try:
            self._coh = self._open(create)
        except BaseException:
            self.close()
            raise

    def _open(self, create):
        lib = self._lib
        coh = _capi.Handle()
        what = f"daos_cont_open({self.pool!r}, {self.cont!r})"
        rc = lib.cont_open(self._poh, self.cont.encode(), _capi.DAOS_COO_RW, ctypes.byref(coh), None, None)
        if rc == -DER_NONEXIST and create:
            rc = lib.cont_create_with_label(self._poh, self.cont.encode(), None, None, None)
            # DER_EXIST: another process created it first, which is as good.
            if rc not in (0, -DER_EXIST):
                lib.check(rc, f"daos_cont_create_with_label({self.pool!r}, {self.cont!r})")
            rc = lib.cont_open(self._poh, self.cont.encode(), _capi.DAOS_COO_RW, ctypes.byref(coh), None, None)
        lib.check(rc, what)
        return coh

    def _h(self):
        coh = self._coh
        if coh is None:
            raise ValueError(f"container {self.cont!r} is closed")
        return coh

    def _adopt(self, obj):
        self._objects.add(obj)

    def dict(self, name, v=None):
        """The DDict named `name` (opened read-write), first filled from
        mapping v with bput when v is given. KV objects need no creation
        step, so an unused name is an empty dict."""
        lib = self._lib
        coh = self._h()
        oid = name_oid(coh, name, _capi.DAOS_OT_KV_HASHED)
        oh = _capi.Handle()
        lib.check(lib.kv_open(coh, oid, _capi.DAOS_OO_RW, ctypes.byref(oh), None), f"daos_kv_open({name!r})")
        d = DDict(self, name, oid, oh)
        if v:
            d.bput(v)
        return d

    def get(self, name):
        """The DDict named `name`; the same object dict(name) gives."""
        return self.dict(name)

    def array(self, name, cell_size=None, chunk_size=None):
        """The DArray named `name`, opened read-write.

        An existing array keeps the cell and chunk sizes it was created
        with; asking for different ones is a ValueError. A new array is
        created with cell_size (default 1 byte) and chunk_size (default
        1 MiB of cells).
        """
        lib = self._lib
        coh = self._h()
        oid = name_oid(coh, name, _capi.DAOS_OT_ARRAY)
        oh = _capi.Handle()
        cell, chunk = ctypes.c_uint64(0), ctypes.c_uint64(0)
        # Open first (the common case); create on DER_NONEXIST; if another
        # process creates it in between, create says DER_EXIST: open again.
        for _ in range(2):
            rc = lib.array_open(coh, oid, _NO_TX, _capi.DAOS_OO_RW, ctypes.byref(cell),
                                ctypes.byref(chunk), ctypes.byref(oh), None)
            if rc != -DER_NONEXIST:
                lib.check(rc, f"daos_array_open({name!r})")
                break
            want_cell = cell_size or 1
            want_chunk = chunk_size or (1 << 20)
            rc = lib.array_create(coh, oid, _NO_TX, want_cell, want_chunk, ctypes.byref(oh), None)
            if rc == 0:
                cell.value, chunk.value = want_cell, want_chunk
                break
            if rc != -DER_EXIST:
                lib.check(rc, f"daos_array_create({name!r}, cell {want_cell}, chunk {want_chunk})")
        else:
            raise lib.error(-DER_NONEXIST, f"daos_array_open({name!r}) after DER_EXIST from create")
        a = DArray(self, name, oid, oh, cell.value, chunk.value)
        if (cell_size and cell_size != a.cell_size) or (chunk_size and chunk_size != a.chunk_size):
            a.close()
            raise ValueError(f"array {name!r} exists with cell size {a.cell_size} and chunk size "
                             f"{a.chunk_size}, not {cell_size} and {chunk_size}")
        return a

    def close(self):
        """Close every object from this container, the container, and the
        pool connection (idempotent). The first failure is raised after
        everything has been tried."""
        with self._lock:
            objs = list(self._objects)
            coh, self._coh = self._coh, None
            poh, self._poh = self._poh, None
        if not _capi.alive():
            return
        first = None
        for o in objs:
            try:
                o.close()
            except DaosError as e:
                first = first or e
        if coh is not None:
            rc = self._lib.cont_close(coh, None)
            if rc and not first:
                first = self._lib.error(rc, f"daos_cont_close({self.cont!r})")
        if poh is not None:
            rc = self._lib.pool_disconnect(poh, None)
            if rc and not first:
                first = self._lib.error(rc, f"daos_pool_disconnect({self.pool!r})")
        if first:
            raise first

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # a finaliser cannot report; the handles die with the process
            pass

    def __repr__(self):
        return f"DCont({self.pool!r}, {self.cont!r})"
