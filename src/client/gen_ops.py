#!/usr/bin/env python3
"""Regenerates src/client/dgo_ops.h and bindings/libdaos/ops.c from the
header cgo writes for the Go core (go build -buildmode=c-shared writes it
beside the library): the table must list exactly the core's dgo_*
exports, with cgo's prototypes.

    go build -buildmode=c-shared -o /tmp/core.so ./bindings/libdaos
    src/client/gen_ops.py /tmp/core.h VERSION

Bump VERSION whenever the table changes.
"""
import re
import sys

HEADER = """/*
 * The table of entry points the Go core (bindings/libdaos, loaded with
 * dlopen) hands the C layer of libdaos. Private: not installed. Generated
 * by src/client/gen_ops.py from the core's cgo export header.
 *
 * The prototypes are the ones cgo generates for the core's exports (no
 * const: cgo cannot export const-qualified parameters), so the C layer
 * casts const away when it forwards. Handles travel as their cookies.
 * DGO_OPS_VERSION changes whenever an entry is added, removed or changed:
 * the C layer refuses a core built for another table.
 */
#ifndef DGO_OPS_H
#define DGO_OPS_H

#include <stdbool.h>
#include <daos.h>
#include <daos_fs.h>

#include "dgo_ring.h"

#define DGO_OPS_VERSION %d

struct dgo_ops {
\tuint32_t version;
%s
};

#endif /* DGO_OPS_H */
"""

OPS = """/* The core's table of entry points (see src/client/dgo_ops.h; generated
 * by src/client/gen_ops.py). */
#include "_cgo_export.h"
#include "dgo_ops.h"

const struct dgo_ops dgo_ops = {
\t.version = DGO_OPS_VERSION,
%s
};
"""


def main():
    path, version = sys.argv[1], int(sys.argv[2])
    fields, inits = [], []
    for line in open(path):
        m = re.match(r"extern int dgo_(\w+)\((.*)\);", line.strip())
        if not m:
            continue
        name, args = m.group(1), m.group(2).replace("_Bool", "bool")
        fields.append("\tint (*%s)(%s);" % (name, args))
        inits.append("\t.%s = dgo_%s," % (name, name))
    with open("src/client/dgo_ops.h", "w") as f:
        f.write(HEADER % (version, "\n".join(fields)))
    with open("bindings/libdaos/ops.c", "w") as f:
        f.write(OPS % "\n".join(inits))


if __name__ == "__main__":
    main()
