"""The libdaos C ABI as seen from ctypes: library loading, the few C types
pydaos passes, the prototypes it calls, and the one-time daos_init.

Nothing here knows about dictionaries or arrays; pydaos/__init__.py builds
those from these calls. Layouts follow src/include (x86_64, LP64).
"""

import atexit
import ctypes
import ctypes.util
import os
import threading
import weakref

# Return codes (daos_errno.h). The library returns them negated.
DER_NO_PERM = 1001
DER_NO_HDL = 1002
DER_INVAL = 1003
DER_EXIST = 1004
DER_NONEXIST = 1005
DER_UNINIT = 1015
DER_MISMATCH = 1031
DER_KEY2BIG = 2012
DER_REC2BIG = 2013

# Access modes and flags (daos_pool.h, daos_cont.h, daos_obj.h, daos_kv.h).
DAOS_PC_RO = 1
DAOS_PC_RW = 2
DAOS_COO_RO = 1 << 0
DAOS_COO_RW = 1 << 1
DAOS_OO_RO = 1 << 1
DAOS_OO_RW = 1 << 2
DAOS_COND_KEY_REMOVE = 1
DAOS_COND_KEY_INSERT = 2
DAOS_COND_KEY_UPDATE = 4
DAOS_COND_KEY_GET = 8

# Object types (enum daos_otype_t) and the class pydaos uses.
DAOS_OT_KV_HASHED = 8
DAOS_OT_ARRAY = 11
OC_SX = 0x0100FFFF

DAOS_ANCHOR_TYPE_EOF = 3
DAOS_EQ_WAIT = -1


class Handle(ctypes.Structure):
    """daos_handle_t: a cookie, 0 meaning invalid."""
    _fields_ = [("cookie", ctypes.c_uint64)]


class ObjId(ctypes.Structure):
    """daos_obj_id_t: lo first, then hi (type, class and groups in hi)."""
    _fields_ = [("lo", ctypes.c_uint64), ("hi", ctypes.c_uint64)]


class Iov(ctypes.Structure):
    """d_iov_t."""
    _fields_ = [("iov_buf", ctypes.c_void_p),
                ("iov_buf_len", ctypes.c_size_t),
                ("iov_len", ctypes.c_size_t)]


class SgList(ctypes.Structure):
    """d_sg_list_t."""
    _fields_ = [("sg_nr", ctypes.c_uint32),
                ("sg_nr_out", ctypes.c_uint32),
                ("sg_iovs", ctypes.POINTER(Iov))]


class KeyDesc(ctypes.Structure):
    """daos_key_desc_t (16 bytes: the type field is padded)."""
    _fields_ = [("kd_key_len", ctypes.c_uint64),
                ("kd_val_type", ctypes.c_uint32),
                ("_pad", ctypes.c_uint32)]


class Anchor(ctypes.Structure):
    """daos_anchor_t (120 bytes); zeroed means "from the start"."""
    _fields_ = [("da_type", ctypes.c_uint16),
                ("da_shard", ctypes.c_uint16),
                ("da_flags", ctypes.c_uint32),
                ("da_sub_anchors", ctypes.c_uint64),
                ("da_buf", ctypes.c_uint8 * 104)]


class Event(ctypes.Structure):
    """daos_event_t (176 bytes). The library keeps its state in ev_private,
    so an Event must stay where it is (no copies) while it is in use."""
    _fields_ = [("ev_error", ctypes.c_int),
                ("_pad", ctypes.c_int),
                ("ev_private", ctypes.c_uint64 * 20),
                ("ev_debug", ctypes.c_uint64)]


class Range(ctypes.Structure):
    """daos_range_t: first cell and number of cells."""
    _fields_ = [("rg_idx", ctypes.c_uint64), ("rg_len", ctypes.c_uint64)]


class ArrayIod(ctypes.Structure):
    """daos_array_iod_t."""
    _fields_ = [("arr_nr", ctypes.c_uint64),
                ("arr_rgs", ctypes.POINTER(Range)),
                ("arr_nr_short_read", ctypes.c_uint64),
                ("arr_nr_read", ctypes.c_uint64)]


# The structures are part of the ABI; a wrong size would corrupt memory
# silently, so check them once here against ABI.md.
assert ctypes.sizeof(Anchor) == 120
assert ctypes.sizeof(Event) == 176
assert ctypes.sizeof(KeyDesc) == 16
assert ctypes.sizeof(Iov) == 24
assert ctypes.sizeof(ArrayIod) == 32


class DaosError(Exception):
    """A libdaos call failed.

    code is the value the library returned (a negative DER number, e.g.
    -1005 for DER_NONEXIST), name its symbolic name ("DER_NONEXIST") and
    desc the library's description of it.
    """

    def __init__(self, code, name, desc="", what=""):
        self.code = code
        self.name = name
        self.desc = desc
        self.what = what
        msg = f"{name}({code}): {desc}" if desc else f"{name}({code})"
        if what:
            msg = f"{what}: {msg}"
        super().__init__(msg)


_P = ctypes.POINTER
_h = Handle
_u32 = ctypes.c_uint32
_u64 = ctypes.c_uint64
_int = ctypes.c_int
_str = ctypes.c_char_p
_vp = ctypes.c_void_p
_ev = _P(Event)

# name: (C symbol, restype, argtypes). The *2 names are the link-level
# names of functions the headers rename (ABI.md 0.1).
_PROTOTYPES = {
    "init": ("daos_init", _int, []),
    "fini": ("daos_fini", _int, []),
    "errstr": ("d_errstr", _str, [_int]),
    "errdesc": ("d_errdesc", _str, [_int]),
    "eq_create": ("daos_eq_create", _int, [_P(_h)]),
    "eq_destroy": ("daos_eq_destroy", _int, [_h, _int]),
    "eq_poll": ("daos_eq_poll", _int, [_h, _int, ctypes.c_int64, ctypes.c_uint, _P(_ev)]),
    "event_init": ("daos_event_init", _int, [_ev, _h, _ev]),
    "event_fini": ("daos_event_fini", _int, [_ev]),
    "pool_connect": ("daos_pool_connect2", _int, [_str, _str, ctypes.c_uint, _P(_h), _vp, _ev]),
    "pool_disconnect": ("daos_pool_disconnect", _int, [_h, _ev]),
    "cont_create_with_label": ("daos_cont_create_with_label", _int, [_h, _str, _vp, _vp, _ev]),
    "cont_open": ("daos_cont_open2", _int, [_h, _str, ctypes.c_uint, _P(_h), _vp, _ev]),
    "cont_close": ("daos_cont_close", _int, [_h, _ev]),
    "cont_destroy": ("daos_cont_destroy2", _int, [_h, _str, _int, _ev]),
    "generate_oid": ("daos_obj_generate_oid2", _int, [_h, _P(ObjId), _int, _u32, ctypes.c_uint16, _u32]),
    "kv_open": ("daos_kv_open", _int, [_h, ObjId, ctypes.c_uint, _P(_h), _ev]),
    "kv_close": ("daos_kv_close", _int, [_h, _ev]),
    "kv_destroy": ("daos_kv_destroy", _int, [_h, _h, _ev]),
    "kv_put": ("daos_kv_put", _int, [_h, _h, _u64, _str, _u64, _vp, _ev]),
    "kv_get": ("daos_kv_get", _int, [_h, _h, _u64, _str, _P(_u64), _vp, _ev]),
    "kv_remove": ("daos_kv_remove", _int, [_h, _h, _u64, _str, _ev]),
    "kv_list": ("daos_kv_list", _int, [_h, _h, _P(_u32), _P(KeyDesc), _P(SgList), _P(Anchor), _ev]),
    "array_create": ("daos_array_create", _int, [_h, ObjId, _h, _u64, _u64, _P(_h), _ev]),
    "array_open": ("daos_array_open", _int, [_h, ObjId, _h, ctypes.c_uint, _P(_u64), _P(_u64), _P(_h), _ev]),
    "array_close": ("daos_array_close", _int, [_h, _ev]),
    "array_read": ("daos_array_read", _int, [_h, _h, _P(ArrayIod), _P(SgList), _ev]),
    "array_write": ("daos_array_write", _int, [_h, _h, _P(ArrayIod), _P(SgList), _ev]),
    "array_get_size": ("daos_array_get_size", _int, [_h, _h, _P(_u64), _ev]),
    "array_set_size": ("daos_array_set_size", _int, [_h, _h, _u64, _ev]),
    "array_destroy": ("daos_array_destroy", _int, [_h, _h, _ev]),
}

# The sonames tried when $PYDAOS_LIB is unset and find_library finds
# nothing (it needs ldconfig or gcc, which a minimal host may lack).
_FALLBACK_NAMES = ("libdaos.so.2", "libdaos.so")


class _Lib:
    """The loaded library: one attribute per entry of _PROTOTYPES."""

    def __init__(self, path):
        self.path = path
        dll = ctypes.CDLL(path)
        for name, (sym, res, args) in _PROTOTYPES.items():
            fn = getattr(dll, sym)
            fn.restype = res
            fn.argtypes = args
            setattr(self, name, fn)

    def error(self, rc, what=""):
        """The DaosError for return code rc, named by the library itself so
        the names match what C programs print with DP_RC."""
        name = self.errstr(rc)
        desc = self.errdesc(rc)
        return DaosError(rc, name.decode() if name else f"DER_UNKNOWN({rc})",
                         desc.decode() if desc else "", what)

    def check(self, rc, what=""):
        """Raise the DaosError for rc unless it is 0."""
        if rc != 0:
            raise self.error(rc, what)


_lock = threading.Lock()
_lib = None
_finished = False
# Objects holding handles, closed before daos_fini at exit so nothing
# calls into a torn-down library from a finaliser.
_live = weakref.WeakSet()


def _find():
    """The library to load: $PYDAOS_LIB, else what the linker would find."""
    path = os.environ.get("PYDAOS_LIB")
    if path:
        return [path]
    found = ctypes.util.find_library("daos")
    return ([found] if found else []) + list(_FALLBACK_NAMES)


def lib():
    """The library, loaded and daos_init'ed on first use (thread-safe).

    Loading is deferred to first use so that importing pydaos works on a
    machine without libdaos (the tests skip there) and so a process that
    forks before using DAOS forks before the library's runtime starts.
    """
    global _lib
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is not None:
            return _lib
        if _finished:
            raise RuntimeError("pydaos: used after daos_fini (interpreter exit)")
        errors = []
        for cand in _find():
            try:
                loaded = _Lib(cand)
                break
            except OSError as e:
                errors.append(f"{cand}: {e}")
        else:
            raise OSError("pydaos: cannot load libdaos (set PYDAOS_LIB to the path of "
                          "libdaos.so.2): " + "; ".join(errors))
        loaded.check(loaded.init(), "daos_init")
        atexit.register(_fini)
        _lib = loaded
        return _lib


def track(obj):
    """Remember obj (with a close() method) for closing at exit."""
    _live.add(obj)


def alive():
    """Whether calls into the library are still allowed; finalisers that
    run after daos_fini must not call in."""
    return _lib is not None and not _finished


def _fini():
    global _finished
    with _lock:
        if _finished or _lib is None:
            return
        for obj in list(_live):
            try:
                obj.close()
            except Exception:  # exiting anyway; fini must still run
                pass
        _finished = True
        _lib.fini()
