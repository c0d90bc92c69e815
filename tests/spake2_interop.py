#!/usr/bin/python3
"""Interoperability of petmail's SPAKE2 (tests/spake2-tool) with
python-spake2's SPAKE2_Symmetric, in both directions.

usage: spake2_interop.py PATH/TO/spake2-tool

Run by tests/spake2-interop.sh. Exits 0 on success, 1 on any failure.
"""
import subprocess
import sys

from spake2 import SPAKE2_Symmetric

PASSWORD = b"7-crossover-clockwork"
ID = b"petmail introduction"


class Tool:
    """One run of spake2-tool: the C side of one exchange."""

    def __init__(self, path, password, ident):
        self.p = subprocess.Popen([path, password.hex(), ident.hex()],
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)

    def message(self):
        return bytes.fromhex(self.p.stdout.readline().decode().strip())

    def send(self, msg):
        self.p.stdin.write(msg.hex().encode() + b"\n")
        self.p.stdin.flush()

    def result(self):
        """(exit status, key or None). Reads through self.p.stdout, not
        communicate(): message() may have buffered the key line already."""
        self.p.stdin.close()
        line = self.p.stdout.read().decode().strip()
        err = self.p.stderr.read().decode().strip()
        self.p.wait(timeout=30)
        self.p.stdout.close()
        self.p.stderr.close()
        if err:
            print("# %s" % err)
        return self.p.returncode, (bytes.fromhex(line) if line else None)


failures = 0


def check(cond, what):
    global failures
    if cond:
        print("ok - %s" % what)
    else:
        print("not ok - %s" % what)
        failures += 1


def run(path, c_pw, py_pw, c_id=ID, py_id=ID, c_first=True):
    """One exchange; returns (C status, C key, python key, C msg < py msg).
    c_first: C's message goes out before python starts; otherwise python
    starts and sends before reading C's message."""
    tool = Tool(path, c_pw, c_id)
    py = SPAKE2_Symmetric(py_pw, idSymmetric=py_id)
    if c_first:
        c_msg = tool.message()
        py_msg = py.start()
        tool.send(py_msg)
    else:
        py_msg = py.start()
        tool.send(py_msg)
        c_msg = tool.message()
    py_key = py.finish(c_msg)
    status, c_key = tool.result()
    return status, c_key, py_key, c_msg[1:] < py_msg[1:]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: spake2_interop.py PATH/TO/spake2-tool")
    path = sys.argv[1]

    # Matching passwords: equal keys, both directions. The transcript
    # sorts the two messages; run until both orders have been seen.
    orders = set()
    runs = 0
    while runs < 8 or (len(orders) < 2 and runs < 64):
        c_first = runs % 2 == 0
        status, c_key, py_key, order = run(path, PASSWORD, PASSWORD,
                                           c_first=c_first)
        runs += 1
        orders.add(order)
        check(status == 0 and c_key == py_key and len(c_key) == 32,
              "same password, %s first: C and python agree"
              % ("C" if c_first else "python"))
    check(len(orders) == 2, "both transcript orders exercised")

    # Empty id, binary password.
    pw = bytes(range(256))
    status, c_key, py_key, _ = run(path, pw, pw, b"", b"")
    check(status == 0 and c_key == py_key, "binary password, empty id")

    # Mismatches: both sides finish, keys differ.
    for c_first in (True, False):
        status, c_key, py_key, _ = run(path, PASSWORD,
                                       b"7-crossover-clockwerk",
                                       c_first=c_first)
        check(status == 0 and c_key is not None and c_key != py_key,
              "different passwords, %s first: keys differ"
              % ("C" if c_first else "python"))
    status, c_key, py_key, _ = run(path, PASSWORD, PASSWORD, ID, ID + b"!")
    check(status == 0 and c_key is not None and c_key != py_key,
          "different ids: keys differ")

    # C refuses its own message reflected, and python-spake2's A side.
    tool = Tool(path, PASSWORD, ID)
    tool.send(tool.message())
    status, key = tool.result()
    check(status == 1 and key is None, "C refuses its reflected message")
    tool = Tool(path, PASSWORD, ID)
    tool.message()
    tool.send(b"A" + SPAKE2_Symmetric(PASSWORD, idSymmetric=ID).start()[1:])
    status, key = tool.result()
    check(status == 1 and key is None, "C refuses side byte A")

    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
