#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Capture a Windows program's D3DKMT calls with dxgtrace's Frida agent.

Spawns PROGRAM (or attaches to a running process with -p), loads the agent
and writes every message it sends as one JSON line to -o FILE: the Frida
JSON Lines format of docs/frida.md, for `dxgtrace import frida`. Stops when
the process exits or on Ctrl-C. Needs Python 3 and `pip install frida`
(17 or later); see interpose/frida/README.md.
"""

import argparse
import json
import os
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args():
    p = argparse.ArgumentParser(
        description=__doc__.strip().splitlines()[0],
        usage="%(prog)s [options] -o FILE (-p PID | PROGRAM [ARGS...])")
    p.add_argument("-o", "--output", required=True, help="the JSON Lines file to write")
    p.add_argument("-p", "--pid", type=int, help="attach to this process instead of spawning")
    p.add_argument("--agent", default=os.path.join(HERE, "src", "agent.ts"),
                   help="the agent: src/agent.ts (compiled with frida.Compiler) or a "
                        "compiled .js bundle (default: %(default)s)")
    p.add_argument("--hook", choices=("gdi32", "win32u"), default="gdi32",
                   help="gdi32.dll!D3DKMT* (default) or win32u.dll!NtGdiDdDDI*")
    p.add_argument("--stacks", choices=("off", "escapes", "all"), default="escapes",
                   help="stack addresses for no call, escapes only (default) or every call")
    p.add_argument("--max-payload", type=int, default=4 << 20, metavar="BYTES",
                   help="bytes kept of one nested buffer (default: %(default)s)")
    p.add_argument("program", nargs=argparse.REMAINDER, help="the program to spawn and its arguments")
    a = p.parse_args()
    if a.program and a.program[0] == "--":
        a.program = a.program[1:]
    if (a.pid is None) == (not a.program):
        p.error("give either -p PID or a PROGRAM to spawn")
    return a


def load_agent(frida, path):
    if path.endswith(".js"):
        with open(path, encoding="utf-8") as f:
            return f.read()
    compiler = frida.Compiler()
    compiler.on("diagnostics", lambda diags: [
        print(f"frida-capture: compiler: {d}", file=sys.stderr) for d in diags])
    return compiler.build(os.path.abspath(path),
                          project_root=os.path.dirname(os.path.dirname(os.path.abspath(path))))


def main():
    a = parse_args()
    try:
        import frida  # imported here so that --help works without it
    except ImportError:
        print("frida-capture: the Python module frida is missing: pip install frida", file=sys.stderr)
        return 2
    params = {"hook": a.hook, "stacks": a.stacks, "maxPayload": a.max_payload}
    out = open(a.output, "w", encoding="utf-8", newline="\n")
    lock = threading.Lock()
    done = threading.Event()

    def on_message(message, data):
        if message.get("type") == "send":
            line = json.dumps(message["payload"], separators=(",", ":"))
            with lock:
                if not out.closed:
                    out.write(line + "\n")
        else:
            print(f"frida-capture: agent: {message.get('description', message)}", file=sys.stderr)
            if message.get("stack"):
                print(message["stack"], file=sys.stderr)

    def on_detached(reason, crash):
        print(f"frida-capture: detached: {reason}", file=sys.stderr)
        done.set()

    session = script = None
    try:
        source = load_agent(frida, a.agent)
        device = frida.get_local_device()
        pid = a.pid if a.pid is not None else device.spawn(a.program)
        session = device.attach(pid)
        session.on("detached", on_detached)
        script = session.create_script(source)
        script.on("message", on_message)
        script.load()
        summary = script.exports_sync.init("late" if a.pid is not None else "early", params)
        print(f"frida-capture: pid {pid}: {summary}", file=sys.stderr)
        if a.pid is None:
            device.resume(pid)
        while not done.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    except Exception as e:  # frida's errors: no such process, bad agent, ...
        print(f"frida-capture: {e}", file=sys.stderr)
        return 1
    finally:
        if script is not None and not done.is_set():
            try:
                print(f"frida-capture: {script.exports_sync.stats()}", file=sys.stderr)
                script.unload()
            except Exception:
                pass
        if session is not None and not done.is_set():
            try:
                session.detach()
            except Exception:
                pass
        with lock:
            out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
