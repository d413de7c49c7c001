# Writes a .tar.gz of N empty files in N/1000 directories (default 1,000,000), for the peak-RSS
# bound of issue 11 (bench/run.sh). Usage: gen-many.py N OUT.tar.gz
import gzip, sys
n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
def hdr(name, tf=b'0', mode=0o644):
    h = bytearray(512)
    h[0:len(name)] = name
    h[100:108] = b'%07o\0' % mode
    h[108:116] = b'0000000\0'; h[116:124] = b'0000000\0'
    h[124:136] = b'00000000000\0'
    h[136:148] = b'14000000000\0'
    h[156:157] = tf
    h[257:265] = b'ustar\x0000'
    h[148:156] = b' ' * 8
    h[148:156] = b'%06o\0 ' % sum(h)
    return bytes(h)
with gzip.open(sys.argv[2] if len(sys.argv) > 2 else 'm1.tar.gz', 'wb', compresslevel=1) as f:
    f.write(hdr(b'pkg/', b'5', 0o755))
    buf = []
    for i in range(n):
        if i % 1000 == 0:
            buf.append(hdr(b'pkg/d%04d/' % (i // 1000), b'5', 0o755))
        buf.append(hdr(b'pkg/d%04d/file-%07d.txt' % (i // 1000, i)))
        if len(buf) > 10000:
            f.write(b''.join(buf)); buf = []
    f.write(b''.join(buf))
    f.write(b'\0' * 1024)
