#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""docs/export.md against the program.

    check_docs.py DXGTRACE DOC TRACE

The ```sql block holding the CREATE statements must be exactly what
`dxgtrace sql --schema` prints, and every other ```sql block is an example
query that must run on TRACE through `dxgtrace sql` (exit 0, no error).
"""
import re
import subprocess
import sys

if len(sys.argv) != 4:
    print(__doc__)
    sys.exit(2)
dxgtrace, doc, trace = sys.argv[1:]
text = open(doc).read()
blocks = re.findall(r"^```sql\n(.*?)^```$", text, re.S | re.M)
env = {"DXGTRACE_NO_PROGRESS": "1"}
schema = subprocess.run([dxgtrace, "sql", "--schema"], capture_output=True, text=True,
                        check=True, env=env).stdout
fails = 0
schemas = [b for b in blocks if "CREATE TABLE" in b]
if schemas != [schema]:
    print("FAIL: docs/export.md's schema block differs from `dxgtrace sql --schema`:")
    print(schema)
    fails += 1
queries = [b for b in blocks if "CREATE TABLE" not in b]
if not queries:
    print("FAIL: no example queries")
    fails += 1
for q in queries:
    p = subprocess.run([dxgtrace, "sql", trace, q], capture_output=True, text=True, env=env)
    if p.returncode != 0 or p.stderr:
        print("FAIL: example query exits %d: %s\n%s" % (p.returncode, p.stderr, q))
        fails += 1
print("%d example queries, schema block checked: %s" % (len(queries),
                                                        "ok" if not fails else "FAILED"))
sys.exit(1 if fails else 0)
