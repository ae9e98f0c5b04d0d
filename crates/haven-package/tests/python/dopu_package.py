#!/usr/bin/env python3
"""Seals and opens HealthVault drop-off/pick-up packages (algorithm hmac-sha256-aes256).

Written from the HealthVault documentation (concepts/connectivity/drop-off-pick-up.md) as an
independent check of Haven's implementation, with only the standard library and py3rijndael:

* the key and IV come from PBKDF2 (RFC 2898) with the "hmac-sha2 pseudorandom" function, over the
  answer converted to lower case, with the salt text's bytes and the given iteration count: 64
  bytes, the first 32 the key and the last 32 the IV;
* the data before encryption is an HMAC-SHA256 of the things, keyed with the same salt,
  followed by the things;
* the cipher is Rijndael with a 256-bit block and a 256-bit key, in CBC mode.

Usage (python3 dopu_package.py MODE ANSWER SALT ITERATIONS):
  seal: reads the things XML on stdin, prints the ciphertext in base64;
  open: reads the base64 ciphertext on stdin, prints the things XML; exits with status 1 when the
        answer is wrong or the package was altered.
"""

import base64
import hashlib
import hmac
import sys

from py3rijndael import Pkcs7Padding, RijndaelCbc
from py3rijndael.paddings import PaddingBase

BLOCK_SIZE = 32


class KeepPadding(PaddingBase):
    """Leaves the padding in place, so that `open_package` can check it itself."""

    def encode(self, source):
        return source

    def decode(self, source):
        return source


def derive_key_and_iv(answer, salt, iterations):
    password = answer.lower().encode("utf-8")
    derived = hashlib.pbkdf2_hmac("sha256", password, salt.encode("utf-8"), iterations, dklen=64)
    return derived[:32], derived[32:]


def seal_package(answer, salt, iterations, things):
    key, iv = derive_key_and_iv(answer, salt, iterations)
    integrity = hmac.new(salt.encode("utf-8"), things, hashlib.sha256).digest()
    return RijndaelCbc(key, iv, Pkcs7Padding(BLOCK_SIZE), BLOCK_SIZE).encrypt(integrity + things)


def open_package(answer, salt, iterations, ciphertext):
    """Returns the things, or None when the padding or the HMAC is wrong."""
    if not ciphertext or len(ciphertext) % BLOCK_SIZE:
        return None
    key, iv = derive_key_and_iv(answer, salt, iterations)
    padded = RijndaelCbc(key, iv, KeepPadding(BLOCK_SIZE), BLOCK_SIZE).decrypt(ciphertext)
    padding_length = padded[-1]
    if not 1 <= padding_length <= BLOCK_SIZE:
        return None
    plaintext = padded[:-padding_length]
    integrity, things = plaintext[:32], plaintext[32:]
    expected = hmac.new(salt.encode("utf-8"), things, hashlib.sha256).digest()
    if len(integrity) != 32 or not hmac.compare_digest(integrity, expected):
        return None
    return things


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("seal", "open"):
        sys.exit("usage: dopu_package.py seal|open ANSWER SALT ITERATIONS")
    mode, answer, salt, iterations = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    data = sys.stdin.buffer.read()
    if mode == "seal":
        print(base64.b64encode(seal_package(answer, salt, iterations, data)).decode("ascii"))
        return
    things = open_package(answer, salt, iterations, base64.b64decode(data))
    if things is None:
        print("the answer does not open the package, or it was altered", file=sys.stderr)
        sys.exit(1)
    sys.stdout.buffer.write(things)


if __name__ == "__main__":
    main()
