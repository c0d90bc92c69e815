#!/usr/bin/python3
"""Reference Double Ratchet for petmail, written from doc/ratchet.md and the
published specification (Perrin & Marlinspike, section 3), independently of
src/crypto/ratchet.c. It runs a fixed conversation from fixed keys and prints
a transcript: every header and ciphertext, every plaintext read, and both
sides' saved states. tests/ratchet-vectors.sh compares it with the C code's;
`ratchet_ref.py --c-header > tests/ratchet-vectors.h` regenerates the copy
embedded in tests/test_ratchet.c.

Needs python3-nacl (nacl.bindings) for X25519 and XChaCha20-Poly1305; HKDF
and HMAC come from the standard library.
"""

import copy
import hashlib
import hmac
import struct
import sys

try:
    from nacl import bindings as nb
except ImportError:
    sys.stderr.write("ratchet_ref.py: needs python3-nacl\n")
    sys.exit(77)

MAX_SKIP = 1000
MAX_SKIPPED = 2000
STATE_VERSION = 1
INFO_ROOT = b"petmail v1 ratchet root"
INFO_MSG = b"petmail v1 message key"


class RatchetError(Exception):
    pass


def hkdf(salt, ikm, info, length):
    """RFC 5869 with SHA-256; an empty salt is 32 zero bytes."""
    if not salt:
        salt = bytes(32)
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:length]


def dh(secret, public):
    out = nb.crypto_scalarmult(secret, public)
    if out == bytes(32):
        raise RatchetError("all-zero DH output")
    return out


def kdf_rk(rk, dh_out):
    okm = hkdf(rk, dh_out, INFO_ROOT, 64)
    return okm[:32], okm[32:]


def kdf_ck(ck):
    mk = hmac.new(ck, b"\x01", hashlib.sha256).digest()
    nxt = hmac.new(ck, b"\x02", hashlib.sha256).digest()
    return nxt, mk


def header(dh_pub, pn, n):
    return dh_pub + struct.pack(">II", pn, n)


def parse_header(h):
    if len(h) != 40:
        raise RatchetError("bad header length")
    pn, n = struct.unpack(">II", h[32:])
    return h[:32], pn, n


def encrypt(mk, plaintext, ad):
    kn = hkdf(b"", mk, INFO_MSG, 56)
    return nb.crypto_aead_xchacha20poly1305_ietf_encrypt(
        plaintext, ad, kn[32:], kn[:32])


def decrypt(mk, ciphertext, ad):
    kn = hkdf(b"", mk, INFO_MSG, 56)
    try:
        return nb.crypto_aead_xchacha20poly1305_ietf_decrypt(
            ciphertext, ad, kn[32:], kn[:32])
    except Exception:
        raise RatchetError("bad tag")


class State:
    def __init__(self):
        self.dhs = None       # (secret, public)
        self.dhr = None
        self.rk = None
        self.cks = None
        self.ckr = None
        self.ns = self.nr = self.pn = 0
        self.mkskipped = {}   # (dh, n) -> mk, in insertion order


def keypair(secret):
    return secret, nb.crypto_scalarmult_base(secret)


def init_alice(sk, bob_public, alice_secret):
    s = State()
    s.dhs = keypair(alice_secret)
    s.dhr = bob_public
    s.rk, s.cks = kdf_rk(sk, dh(s.dhs[0], s.dhr))
    return s


def init_bob(sk, bob_secret):
    s = State()
    s.dhs = keypair(bob_secret)
    s.rk = sk
    return s


def ratchet_encrypt(s, plaintext, ad):
    s.cks, mk = kdf_ck(s.cks)
    h = header(s.dhs[1], s.pn, s.ns)
    s.ns += 1
    return h, encrypt(mk, plaintext, ad + h)


def skip_message_keys(s, until):
    if s.nr + MAX_SKIP < until:
        raise RatchetError("too many skipped messages")
    if s.ckr is not None:
        while s.nr < until:
            s.ckr, mk = kdf_ck(s.ckr)
            if len(s.mkskipped) >= MAX_SKIPPED:
                del s.mkskipped[next(iter(s.mkskipped))]
            s.mkskipped[(s.dhr, s.nr)] = mk
            s.nr += 1


def dh_ratchet(s, dh_pub, next_secret):
    s.pn = s.ns
    s.ns = 0
    s.nr = 0
    s.dhr = dh_pub
    s.rk, s.ckr = kdf_rk(s.rk, dh(s.dhs[0], s.dhr))
    s.dhs = keypair(next_secret)
    s.rk, s.cks = kdf_rk(s.rk, dh(s.dhs[0], s.dhr))


def ratchet_decrypt(s, h, ciphertext, ad, next_secret):
    """Returns (new state, plaintext); s itself is never changed."""
    s = copy.deepcopy(s)
    dh_pub, pn, n = parse_header(h)
    if (dh_pub, n) in s.mkskipped:
        mk = s.mkskipped.pop((dh_pub, n))
        return s, decrypt(mk, ciphertext, ad + h)
    if dh_pub != s.dhr:
        skip_message_keys(s, pn)
        dh_ratchet(s, dh_pub, next_secret)
    skip_message_keys(s, n)
    if s.ckr is None:
        raise RatchetError("no receiving chain")
    s.ckr, mk = kdf_ck(s.ckr)
    s.nr += 1
    return s, decrypt(mk, ciphertext, ad + h)


def save(s):
    """Saved state, version 1, as doc/ratchet.md lays it out."""
    flags = ((s.dhr is not None) | (s.cks is not None) << 1 |
             (s.ckr is not None) << 2)
    out = bytes([STATE_VERSION, flags]) + s.dhs[0]
    for v in (s.dhr, s.rk, s.cks, s.ckr):
        out += v if v is not None else bytes(32)
    out += struct.pack(">IIII", s.ns, s.nr, s.pn, len(s.mkskipped))
    for (d, n), mk in s.mkskipped.items():
        out += d + struct.pack(">I", n) + mk
    return out


def key(first):
    """A fixed 32-byte test key: first, first + 1, ... (mod 256)."""
    return bytes((first + i) & 0xff for i in range(32))


AD = b"petmail ratchet vectors"


def transcript():
    """The conversation both this script and the C check program run."""
    lines = []
    sk = key(0x00)
    bob = init_bob(sk, key(0x40))
    alice = init_alice(sk, nb.crypto_scalarmult_base(key(0x40)), key(0x80))
    next_key = {"alice": [key(0x81), key(0x82), key(0x83)],
                "bob": [key(0x41), key(0x42), key(0x43)]}
    sent = []

    def send(who, plaintext):
        st = alice if who == "alice" else bob
        h, c = ratchet_encrypt(st, plaintext, AD)
        sent.append((h, c))
        lines.append("send %s %d %s %s" % (who, len(sent) - 1, h.hex(),
                                           c.hex()))

    def recv(who, i):
        nonlocal alice, bob
        h, c = sent[i]
        if who == "alice":
            st, pt = ratchet_decrypt(alice, h, c, AD, next_key["alice"][0])
            if st.dhs[0] != alice.dhs[0]:
                next_key["alice"].pop(0)
            alice = st
        else:
            st, pt = ratchet_decrypt(bob, h, c, AD, next_key["bob"][0])
            if st.dhs[0] != bob.dhs[0]:
                next_key["bob"].pop(0)
            bob = st
        lines.append("recv %s %d %s" % (who, i, pt.hex() or "-"))

    send("alice", b"alice 0: hello bob")
    send("alice", b"alice 1: " + bytes(range(256)))
    send("alice", b"")
    recv("bob", 0)
    recv("bob", 2)
    recv("bob", 1)
    send("bob", b"bob 3: hello alice")
    send("bob", b"bob 4")
    send("bob", b"bob 5")
    recv("alice", 5)
    recv("alice", 3)
    send("alice", b"alice 6: a new chain")
    recv("bob", 6)
    send("bob", b"bob 7")
    recv("alice", 7)
    lines.append("state alice %s" % save(alice).hex())
    lines.append("state bob %s" % save(bob).hex())
    return lines


def main():
    lines = transcript()
    if sys.argv[1:] == ["--c-header"]:
        print("/* Generated by tests/ratchet_ref.py --c-header: do not edit. */")
        print("static const char *const ratchet_vectors[] = {")
        for line in lines:
            # Break long hex over several string literals.
            chunks = [line[i:i + 64] for i in range(0, len(line), 64)]
            print("\t" + "\n\t    ".join('"%s"' % c for c in chunks) + ",")
        print("\tNULL")
        print("};")
    elif sys.argv[1:]:
        sys.stderr.write("usage: ratchet_ref.py [--c-header]\n")
        sys.exit(64)
    else:
        print("\n".join(lines))


if __name__ == "__main__":
    main()
