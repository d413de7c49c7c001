# Writes a small .tar.xz whose LZMA2 block header declares a 768 MiB dictionary (the issue 11
# case): the content is compressed with a 1 MiB dictionary and the block header's dictionary
# byte is rewritten (and its CRC32 fixed), so that making it needs no 768 MiB encoder.
# Usage: gen-dict.py TAR OUT.tar.xz
import lzma, sys, zlib
payload = open(sys.argv[1], 'rb').read(4 << 20)
data = bytearray(lzma.compress(payload, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64,
                               filters=[{'id': lzma.FILTER_LZMA2, 'preset': 0, 'dict_size': 1 << 20}]))
size = (data[12] + 1) * 4
bh = data[12:12 + size]
assert bh[1] & 0x03 == 0 and bh[1] & 0xc0 == 0 and bh[2] == 0x21 and bh[3] == 1, bh.hex()
bh[4] = 35  # (2 | 1) << (35 // 2 + 11) = 768 MiB
bh[-4:] = zlib.crc32(bytes(bh[:-4])).to_bytes(4, 'little')
data[12:12 + size] = bh
open(sys.argv[2], 'wb').write(bytes(data))
