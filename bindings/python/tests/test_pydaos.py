"""pydaos against a running DAOS system.

Needs DAOS_POOL (a pool label or UUID the agent can reach, via
DAOS_AGENT_DRPC_DIR) and libdaos (PYDAOS_LIB or the linker's search path).
Each run works in a container of its own, created here.

    cd bindings/python && DAOS_POOL=mypool python3 -m unittest -v tests.test_pydaos
"""

import concurrent.futures
import ctypes
import os
import random
import subprocess
import sys
import textwrap
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import pydaos  # noqa: E402
from pydaos import _capi  # noqa: E402

POOL = os.environ.get("DAOS_POOL")
CONT = f"pydaos-test-{uuid.uuid4().hex[:12]}"


def setUpModule():
    if not POOL:
        raise unittest.SkipTest("DAOS_POOL is not set: these tests need a running DAOS system "
                                "(set DAOS_POOL to a pool label, DAOS_AGENT_DRPC_DIR to the "
                                "agent's socket directory, PYDAOS_LIB to libdaos.so.2)")


class ContTest(unittest.TestCase):
    """Each test gets the run's container open in self.cont."""

    def setUp(self):
        self.cont = pydaos.DCont(POOL, CONT, create=True)
        self.addCleanup(self.cont.close)
        self.rng = random.Random(self.id())


class TestErrors(unittest.TestCase):
    def test_bad_pool_label(self):
        with self.assertRaises(pydaos.DaosError) as cm:
            pydaos.DCont("no-such-pool-label", "c")
        e = cm.exception
        self.assertEqual(e.code, -pydaos.DER_NONEXIST)
        self.assertEqual(e.name, "DER_NONEXIST")
        self.assertTrue(e.desc)
        self.assertIn("no-such-pool-label", str(e))

    def test_missing_container_without_create(self):
        with self.assertRaises(pydaos.DaosError) as cm:
            pydaos.DCont(POOL, "no-such-container-" + uuid.uuid4().hex[:8])
        self.assertEqual(cm.exception.code, -pydaos.DER_NONEXIST)

    def test_error_names_come_from_the_library(self):
        lib = _capi.lib()
        e = lib.error(-pydaos.DER_EXIST)
        self.assertEqual((e.code, e.name), (-1004, "DER_EXIST"))
        self.assertEqual(lib.error(-pydaos.DER_REC2BIG).name, "DER_REC2BIG")


class TestDCont(ContTest):
    def test_create_is_idempotent_and_second_handle_sees_data(self):
        d = self.cont.dict("shared")
        d["k"] = b"v"
        with pydaos.DCont(POOL, CONT, create=True) as other:
            self.assertEqual(other.get("shared")["k"], b"v")

    def test_close_closes_objects(self):
        c = pydaos.DCont(POOL, CONT)
        d = c.dict("closing")
        a = c.array("closing")
        c.close()
        c.close()  # idempotent
        with self.assertRaises(ValueError):
            d["x"] = b"y"
        with self.assertRaises(ValueError):
            a.read(0, 1)
        with self.assertRaises(ValueError):
            c.dict("after-close")

    def test_context_managers(self):
        with pydaos.DCont(POOL, CONT) as c:
            with c.dict("ctx") as d:
                d["a"] = b"1"
            with self.assertRaises(ValueError):
                d["a"]
        with self.assertRaises(ValueError):
            c.array("ctx")

    def test_exit_with_handles_open(self):
        # daos_fini runs at exit (atexit) after pydaos closes what is still
        # open; the process must exit cleanly and its writes must stay.
        here = os.path.dirname(os.path.abspath(__file__))
        prog = textwrap.dedent(f"""
            import sys
            sys.path.insert(0, {os.path.join(here, '..')!r})
            import pydaos
            c = pydaos.DCont({POOL!r}, {CONT!r})
            c.dict("atexit")["left"] = b"open"
            c.array("atexit").write(0, b"still open")
        """)
        r = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.cont.dict("atexit")["left"], b"open")
        self.assertEqual(self.cont.array("atexit").read(0, 100), b"still open")

    def test_oid_is_deterministic(self):
        coh = self.cont._h()
        a = pydaos.name_oid(coh, "same", _capi.DAOS_OT_KV_HASHED)
        b = pydaos.name_oid(coh, "same", _capi.DAOS_OT_KV_HASHED)
        c = pydaos.name_oid(coh, "other", _capi.DAOS_OT_KV_HASHED)
        self.assertEqual((a.lo, a.hi), (b.lo, b.hi))
        self.assertNotEqual((a.lo, a.hi), (c.lo, c.hi))
        self.assertEqual(a.hi >> 56, _capi.DAOS_OT_KV_HASHED)
        arr = pydaos.name_oid(coh, "same", _capi.DAOS_OT_ARRAY)
        self.assertEqual(arr.hi >> 56, _capi.DAOS_OT_ARRAY)
        self.assertEqual(arr.lo, a.lo)
        self.assertEqual(self.cont.dict("same").oid, (a.lo, a.hi))
        with self.assertRaises(ValueError):
            self.cont.dict("")


class TestDDict(ContTest):
    def test_put_get_overwrite_delete(self):
        d = self.cont.dict("basic")
        d["alpha"] = b"one"
        self.assertEqual(d["alpha"], b"one")
        d["alpha"] = bytearray(b"two, longer")
        self.assertEqual(d["alpha"], b"two, longer")
        d["alpha"] = memoryview(b"3")
        self.assertEqual(d["alpha"], b"3")
        self.assertIn("alpha", d)
        self.assertEqual(len(d), 1)
        del d["alpha"]
        self.assertNotIn("alpha", d)
        self.assertEqual(len(d), 0)
        with self.assertRaises(KeyError):
            d["alpha"]
        with self.assertRaises(KeyError):
            del d["alpha"]
        self.assertIsNone(d.get("alpha"))
        self.assertEqual(d.get("alpha", b"dflt"), b"dflt")

    def test_missing_key(self):
        d = self.cont.dict("missing")
        with self.assertRaises(KeyError) as cm:
            d["nope"]
        self.assertEqual(cm.exception.args, ("nope",))
        self.assertNotIn("nope", d)
        self.assertNotIn(3, d)

    def test_binary_and_large_values(self):
        d = self.cont.dict("binary")
        blob = self.rng.randbytes(300_000)
        d["big"] = blob
        d["zeros"] = b"\0" * 10
        d["ünïcode key"] = b"\xff\x00\x01"
        self.assertEqual(d["big"], blob)
        self.assertEqual(d["zeros"], b"\0" * 10)
        self.assertEqual(d["ünïcode key"], b"\xff\x00\x01")
        got = d.bget(["big", "zeros", "absent"])
        self.assertEqual(got, {"big": blob, "zeros": b"\0" * 10, "absent": None})

    def test_empty_value_is_refused(self):
        d = self.cont.dict("empty")
        with self.assertRaises(ValueError):
            d["e"] = b""
        with self.assertRaises(ValueError):
            d.bput({"f": b"1", "e": bytearray()})
        self.assertEqual(len(d), 0)
        # The library's own answer, which the ValueError stands for.
        lib = _capi.lib()
        rc = lib.kv_put(d._h(), _capi.Handle(0), 0, b"e", 0, b"x", None)
        self.assertEqual(rc, -pydaos.DER_INVAL)

    def test_type_errors(self):
        d = self.cont.dict("types")
        with self.assertRaises(TypeError):
            d[1] = b"x"
        with self.assertRaises(TypeError):
            d["k"] = "a str"
        with self.assertRaises(ValueError):
            d["nul\0key"] = b"x"
        with self.assertRaises(TypeError):
            d.bput({"ok": b"1", "bad": 2})
        self.assertNotIn("ok", d)  # nothing written when one value is bad

    def test_bput_bget_200(self):
        d = self.cont.dict("batch")
        data = {f"key-{i:03d}": self.rng.randbytes(self.rng.randrange(1, 2000)) for i in range(200)}
        d.bput(data)
        self.assertEqual(len(d), 200)
        for k in ("key-000", "key-123", "key-199"):
            self.assertEqual(d[k], data[k])
        got = d.bget(list(data) + ["not-there"])
        self.assertEqual(len(got), 201)
        self.assertIsNone(got.pop("not-there"))
        self.assertEqual(got, data)
        self.assertEqual(dict(d.items()), data)
        self.assertEqual(sorted(d.values()), sorted(data.values()))

    def test_iteration_over_pages(self):
        d = self.cont.dict("many")
        names = {f"k{i}-" + "x" * (i % 40) for i in range(150)}
        d.bput({k: k.encode() for k in names})
        pages = list(d.pages())
        self.assertGreater(len(pages), 1)
        self.assertTrue(all(len(p) <= d.LIST_PAGE_KEYS for p in pages))
        listed = [k for p in pages for k in p]
        self.assertEqual(len(listed), 150)  # each key exactly once
        self.assertEqual(set(listed), names)
        self.assertEqual(set(d), names)
        self.assertEqual(sorted(d.keys()), sorted(names))
        self.assertEqual(len(d), 150)

    def test_listing_grows_its_buffer_for_long_keys(self):
        d = self.cont.dict("longkeys")
        d.LIST_BUF_BYTES = 64  # smaller than one key: forces DER_KEY2BIG
        keys = {f"{i:02d}" + "K" * 98 for i in range(12)}  # 100 bytes each
        d.bput({k: b"v" for k in keys})
        pages = list(d.pages())
        self.assertEqual(sorted(k for p in pages for k in p), sorted(keys))
        # 64 bytes grew to 128: one key per page.
        self.assertEqual(len(pages), 12)

    def test_pages_limited_by_buffer_bytes(self):
        d = self.cont.dict("roomkeys")
        d.LIST_BUF_BYTES = 128
        keys = {f"{i:03d}" + "r" * 47 for i in range(40)}  # 50 bytes: 2 per page
        d.bput({k: b"v" for k in keys})
        listed = [k for p in d.pages() for k in p]
        self.assertEqual(sorted(listed), sorted(keys))

    # Keys over 100 bytes sharing a 68-byte prefix, one per page: every
    # page ends at a key too long for the anchor itself.
    def test_listing_keys_over_100_bytes(self):
        d = self.cont.dict("verylongkeys")
        d.LIST_BUF_BYTES = 128  # one key per page: every page ends at a long key
        keys = {"L" * 100 + str(i) for i in range(5)}
        d.bput({k: b"v" for k in keys})
        self.assertEqual(sorted(d), sorted(keys))

    def test_threads_share_a_dict(self):
        d = self.cont.dict("threads")

        def work(t):
            for i in range(20):
                d[f"t{t}-{i}"] = f"{t}:{i}".encode()
            got = d.bget([f"t{t}-{i}" for i in range(20)])
            return all(got[f"t{t}-{i}"] == f"{t}:{i}".encode() for i in range(20))

        with concurrent.futures.ThreadPoolExecutor(4) as ex:
            self.assertEqual(list(ex.map(work, range(4))), [True] * 4)
        self.assertEqual(len(d), 80)

    def test_dict_with_initial_values_and_get(self):
        d = self.cont.dict("init", {"a": b"1", "b": b"2"})
        self.assertEqual(dict(self.cont.get("init").items()), {"a": b"1", "b": b"2"})
        d.update({"c": b"3"})
        self.assertEqual(d.pop("a"), b"1")
        self.assertEqual(sorted(d), ["b", "c"])


class TestDArray(ContTest):
    def test_write_read_bytes(self):
        a = self.cont.array("bytes", chunk_size=4096)
        self.assertEqual((a.cell_size, a.chunk_size), (1, 4096))
        self.assertEqual(a.size, 0)
        self.assertEqual(a.read(0, 10), b"")
        data = self.rng.randbytes(20_000)  # spans several chunks
        a.write(100, data)
        self.assertEqual(a.size, 20_100)
        self.assertEqual(len(a), 20_100)
        self.assertEqual(a.read(100, 20_000), data)
        self.assertEqual(a.read(0, 100), b"\0" * 100)  # hole below the size
        self.assertEqual(a.read(5000, 3), data[4900:4903])
        self.assertEqual(a.read(20_000, 500), data[-100:])  # short read at the end
        self.assertEqual(a.read(30_000, 10), b"")
        a.write(50, bytearray(b"patch"))
        self.assertEqual(a.read(48, 9), b"\0\0patch\0\0")

    def test_truncate(self):
        a = self.cont.array("trunc")
        data = self.rng.randbytes(10_000)
        a.write(0, data)
        a.truncate(4000)
        self.assertEqual(a.size, 4000)
        self.assertEqual(a.read(0, 10_000), data[:4000])
        a.truncate(6000)
        self.assertEqual(len(a), 6000)
        self.assertEqual(a.read(0, 6000), data[:4000] + b"\0" * 2000)
        a.truncate(0)
        self.assertEqual(a.size, 0)
        self.assertEqual(a.read(0, 10), b"")
        with self.assertRaises(ValueError):
            a.truncate(-1)

    def test_reopen_keeps_attributes_and_data(self):
        a = self.cont.array("reopen", cell_size=4, chunk_size=256)
        data = self.rng.randbytes(4 * 1000)
        a.write(10, data)
        b = self.cont.array("reopen")
        self.assertEqual((b.cell_size, b.chunk_size), (4, 256))
        self.assertEqual(b.size, 1010)
        self.assertEqual(b.read(10, 1000), data)
        self.assertEqual(b.read(0, 10), b"\0" * 40)
        with self.assertRaises(ValueError):
            a.write(0, b"abc")  # not a whole cell
        with self.assertRaises(ValueError):
            self.cont.array("reopen", cell_size=8)

    def test_create_of_existing_array_is_der_exist(self):
        self.cont.array("exists").write(0, b"x")
        lib = _capi.lib()
        coh = self.cont._h()
        oid = pydaos.name_oid(coh, "exists", _capi.DAOS_OT_ARRAY)
        oh = _capi.Handle()
        rc = lib.array_create(coh, oid, _capi.Handle(0), 1, 1 << 20, ctypes.byref(oh), None)
        if rc == 0:
            lib.array_close(oh, None)
        self.assertEqual(rc, -pydaos.DER_EXIST)
        self.assertEqual(self.cont.array("exists").read(0, 1), b"x")

    def test_arrays_and_dicts_of_one_name_are_distinct(self):
        a = self.cont.array("both")
        d = self.cont.dict("both")
        a.write(0, b"array")
        d["k"] = b"dict"
        self.assertEqual(a.read(0, 5), b"array")
        self.assertEqual(list(d), ["k"])


if __name__ == "__main__":
    unittest.main()
