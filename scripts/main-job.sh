#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The main job: installs what is missing, builds, and runs the end-to-end
# scenario of the Intel NPU field report (corpora/intel-npu-escapes) on the
# mock host:
#
#   1. record examples/npu-probe inside the mock WSL2 host with the
#      wsl2-intel-npu profile, which refuses every non-empty escape as the
#      reporter's host does (the guest trace);
#   2. import the bundled Windows-side capture, where the device works
#      (Frida JSON Lines, docs/frida.md; the host trace);
#   3. replay the Windows capture inside the mock WSL2 host, byte for byte;
#   4. diff host against guest and print the verdict: the first divergent
#      escape, what differs, and what the failing status means, caveat
#      included.
#
# Files go to out/. Exit status 0 when the scenario ran and reached its
# expected verdict, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
dxgt_install_deps test

echo "== building"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
start=$(date +%s)
dxgtrace=build/cli/dxgtrace
scenario=corpora/intel-npu-escapes
mkdir -p out
guest=out/guest.dxgt host=out/host.dxgt replayed=out/host-in-wsl2.dxgt
rm -f "$guest" "$host" "$replayed" out/verdict.txt out/verdict.json

fail() {
    echo "main job: $*" >&2
    exit 1
}

echo
echo "== 1. the guest: npu-probe recorded inside the mock WSL2 host (wsl2-intel-npu)"
echo "\$ dxgtrace record -o $guest --mock wsl2-intel-npu -- build/examples/npu-probe"
status=0
"$dxgtrace" record -o "$guest" --mock wsl2-intel-npu -- build/examples/npu-probe || status=$?
# npu-probe exits 1 when calls fail, which is the point of this profile.
[ "$status" -eq 1 ] && [ -s "$guest" ] ||
    fail "expected npu-probe to report failing calls (exit 1) and a trace, got exit $status"

echo
echo "== 2. the host: the Windows-side capture, imported"
echo "\$ dxgtrace import frida $scenario/windows.jsonl -o $host"
"$dxgtrace" import frida "$scenario/windows.jsonl" -o "$host" --force ||
    fail "the bundled capture did not import"
"$dxgtrace" dump --no-time "$host"

echo
echo "== 3. the Windows run replayed inside the mock WSL2 host"
echo "\$ dxgtrace replay --profile wsl2-intel-npu --verify -o $replayed $host"
status=0
"$dxgtrace" replay --profile wsl2-intel-npu --verify -o "$replayed" "$host" || status=$?
[ "$status" -eq 1 ] || fail "expected the replay to find mismatches (exit 1), got exit $status"

echo
echo "== 4. host against guest"
echo "\$ dxgtrace diff $host $guest"
status=0
"$dxgtrace" diff "$host" "$guest" >out/verdict.txt || status=$?
cat out/verdict.txt
[ "$status" -eq 1 ] || fail "expected diff to find the traces divergent (exit 1), got exit $status"
status=0
"$dxgtrace" diff --json "$host" "$guest" >out/verdict.json || status=$?
[ "$status" -eq 1 ] || fail "diff --json: expected exit 1, got exit $status"

# The verdict in short, and what the guest's status means.
IFS=$'\t' read -r call seq_a seq_b res_a res_b explain < <(python3 - out/verdict.json <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
f = d["first"]
a, b = f["a"], f["b"]
# What the guest's result means: its NTSTATUS, else its errno.
args = [f["call"].replace("D3DKMT", "")]
if b.get("status") and int(b["status"], 16) >= 0x80000000:
    args.append("0x%08X" % int(b["status"], 16))
elif b.get("errno"):
    args.append("-%d" % b["errno"])
print("\t".join([f["call"], str(a["seq"]), str(b["seq"]), a["result"], b["result"],
                 " ".join(args)]))
EOF
)
echo
echo "== verdict"
echo "The Windows host and the WSL2 guest part ways at $call: seq $seq_a on the host,"
echo "seq $seq_b in the guest (the user-mode driver's first registration escape)."
echo "  host (Windows): $res_a"
echo "  guest (WSL2):   $res_b"
echo "The same bytes replayed inside the mock WSL2 host fail the same way (step 3)."
echo
echo "What the guest's status means:"
echo "\$ dxgtrace explain --call $explain"
# shellcheck disable=SC2086 # the call and its value, as separate words
"$dxgtrace" explain --call $explain

[ "$call" = D3DKMTEscape ] && [ "$seq_a" = 6 ] && [ "$res_a" = "0 STATUS_SUCCESS" ] &&
    [ "$res_b" = "0xC0000023 STATUS_BUFFER_TOO_SMALL / -1 EOVERFLOW" ] ||
    fail "the verdict is not the expected one (corpora/intel-npu-escapes/verdict.json)"

echo
echo "files written:"
echo "  $guest            the guest trace (npu-probe inside the mock WSL2 host)"
echo "  $host             the host trace (the Windows capture, imported)"
echo "  $replayed     the Windows capture replayed inside the mock WSL2 host"
echo "  out/verdict.txt           the comparison, as printed above"
echo "  out/verdict.json          the same as JSON"
echo "main job: done in $(($(date +%s) - start)) s after the build"
