#!/usr/bin/env python3
"""Independent, deliberately slow reference for fastcdc-nc2-gear-v1 (see docs/CHUNKING.md).

Prints "offset length sha256" for the 4 MiB golden input of FastCdcGoldenTest, which must match
DEFAULT_CHUNKS there line for line. Usage: python3 chunker/reference/fastcdc_ref.py
"""
import hashlib

M = (1 << 64) - 1


def splitmix64(seed):
    """SplitMix64, identical to java.util.SplittableRandom(seed).nextLong()."""
    s = seed
    while True:
        s = (s + 0x9E3779B97F4A7C15) & M
        z = s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
        yield z ^ (z >> 31)


GEAR_SEED = 0x4645525259434443  # ASCII "FERRYCDC"
_g = splitmix64(GEAR_SEED)
GEAR = [next(_g) for _ in range(256)]


def top_bits(n):
    return M ^ ((1 << (64 - n)) - 1)


def chunks(data, mn=16384, avg=65536, mx=262144):
    bits = avg.bit_length() - 1
    mask_s, mask_l = top_bits(bits + 2), top_bits(bits - 2)
    start = 0
    while start < len(data):
        length = min(len(data) - start, mx)
        cut = length
        if length > mn:
            h = 0
            for i in range(mn, length):  # i = index inside the chunk; the first mn bytes are skipped
                h = ((h << 1) + GEAR[data[start + i]]) & M
                if h & (mask_s if i < avg else mask_l) == 0:
                    cut = i + 1
                    break
        yield start, cut, hashlib.sha256(data[start:start + cut]).hexdigest()
        start += cut


if __name__ == "__main__":
    rnd = splitmix64(0x5EED0001)
    golden = b"".join(next(rnd).to_bytes(8, "little") for _ in range(4 * 1024 * 1024 // 8))
    for off, n, h in chunks(golden):
        print(off, n, h)
