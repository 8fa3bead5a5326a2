import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { ArgumentError, SizeError } from "../src/errors.js";
import { type PngFilter, type Pixels, crc32, decodePng, encodePng } from "../src/render/png.js";

const PYTHON = "/usr/bin/python3";
const dir = mkdtempSync(join(tmpdir(), "tsorch-png-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A deterministic pseudo-random generator (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomImage(width: number, height: number, channels: 3 | 4, seed: number): Pixels {
  const next = rng(seed);
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(next() * 256);
  return { width, height, channels, data };
}

// An independent PNG decoder in Python's standard library (zlib + struct only):
// reads the file from stdin, prints "width height colortype" and the pixels as hex.
const PY_DECODE = String.raw`
import sys, struct, zlib
b = sys.stdin.buffer.read()
assert b[:8] == b'\x89PNG\r\n\x1a\n', 'signature'
pos, idat = 8, b''
while pos < len(b):
    n, t = struct.unpack('>I4s', b[pos:pos+8])
    body = b[pos+8:pos+8+n]
    crc = struct.unpack('>I', b[pos+8+n:pos+12+n])[0]
    assert zlib.crc32(t + body) & 0xffffffff == crc, 'crc ' + t.decode()
    if t == b'IHDR':
        w, h, depth, ct, comp, filt, inter = struct.unpack('>IIBBBBB', body)
        assert depth == 8 and inter == 0
    elif t == b'IDAT':
        idat += body
    elif t == b'IEND':
        break
    pos += 12 + n
bpp = {2: 3, 6: 4, 0: 1}[ct]
raw = zlib.decompress(idat)
stride = w * bpp
out, prev = bytearray(), bytearray(stride)
for y in range(h):
    f = raw[y*(stride+1)]
    line = bytearray(raw[y*(stride+1)+1:(y+1)*(stride+1)])
    for i in range(stride):
        a = line[i-bpp] if i >= bpp else 0
        up = prev[i]
        c = prev[i-bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + up) & 255
        elif f == 3: line[i] = (line[i] + ((a + up) >> 1)) & 255
        elif f == 4:
            p = a + up - c
            pa, pb, pc = abs(p - a), abs(p - up), abs(p - c)
            pr = a if pa <= pb and pa <= pc else (up if pb <= pc else c)
            line[i] = (line[i] + pr) & 255
        else:
            assert f == 0, 'filter %d' % f
    out += line
    prev = line
print(w, h, ct)
print(out.hex())
`;

function pythonDecode(png: Uint8Array): { width: number; height: number; colorType: number; data: Uint8Array } {
  const text = execFileSync(PYTHON, ["-c", PY_DECODE], { input: png, maxBuffer: 64 << 20 }).toString().trim();
  const [head, hex] = text.split("\n");
  const [width, height, colorType] = head!.split(" ").map(Number) as [number, number, number];
  return { width, height, colorType, data: Uint8Array.from(Buffer.from(hex ?? "", "hex")) };
}

// An independent encoder in Python: writes an 8-bit PNG of the given colour type
// from raw pixel bytes, using the filter list given per row (cycled).
const PY_ENCODE = String.raw`
import sys, struct, zlib, json
spec = json.loads(sys.argv[1])
w, h, ct, depth, filters = spec['w'], spec['h'], spec['ct'], spec['depth'], spec['filters']
pix = sys.stdin.buffer.read()
spp = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ct]
stride = (w * spp * depth + 7) // 8
bpp = max(1, spp * depth // 8)
raw, prev = bytearray(), bytearray(stride)
for y in range(h):
    line = pix[y*stride:(y+1)*stride]
    f = filters[y % len(filters)]
    enc = bytearray(stride)
    for i in range(stride):
        a = line[i-bpp] if i >= bpp else 0
        up = prev[i]
        c = prev[i-bpp] if i >= bpp else 0
        if f == 0: p = 0
        elif f == 1: p = a
        elif f == 2: p = up
        elif f == 3: p = (a + up) >> 1
        else:
            q = a + up - c
            pa, pb, pc = abs(q - a), abs(q - up), abs(q - c)
            p = a if pa <= pb and pa <= pc else (up if pb <= pc else c)
        enc[i] = (line[i] - p) & 255
    raw += bytes([f]) + enc
    prev = line
def chunk(t, body):
    return struct.pack('>I', len(body)) + t + body + struct.pack('>I', zlib.crc32(t + body) & 0xffffffff)
out = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, depth, ct, 0, 0, 0))
if 'plte' in spec: out += chunk(b'PLTE', bytes.fromhex(spec['plte']))
if 'trns' in spec: out += chunk(b'tRNS', bytes.fromhex(spec['trns']))
out += chunk(b'tEXt', b'Comment\x00made by the test') + chunk(b'IDAT', zlib.compress(bytes(raw), 9)) + chunk(b'IEND', b'')
sys.stdout.buffer.write(out)
`;

function pythonEncode(
  spec: { w: number; h: number; ct: number; depth: number; filters: number[]; plte?: string; trns?: string },
  rawRows: Uint8Array,
): Buffer {
  return execFileSync(PYTHON, ["-c", PY_ENCODE, JSON.stringify(spec)], { input: rawRows, maxBuffer: 64 << 20 });
}

const SIZES: [number, number][] = [
  [1, 1],
  [1, 7],
  [7, 1],
  [2, 2],
  [3, 5],
  [13, 9],
  [31, 17],
  [64, 3],
  [101, 33],
];

describe("crc32", () => {
  it("matches the published check value and chunk CRCs", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(crc32(new TextEncoder().encode("IEND"))).toBe(0xae426082);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it("can be computed in pieces", () => {
    const bytes = new TextEncoder().encode("feature maps, conv1");
    expect(crc32(bytes, 7)).toBe(crc32(bytes.subarray(7)));
    expect(crc32(bytes, 7, bytes.length, crc32(bytes, 0, 7))).toBe(crc32(bytes));
  });
});

describe("encodePng / decodePng round trip", () => {
  const filters: PngFilter[] = ["adaptive", "none", "sub", "up", "average", "paeth"];
  for (const [w, h] of SIZES) {
    for (const channels of [3, 4] as const) {
      it(`${w}x${h} ${channels === 3 ? "RGB" : "RGBA"} with every filter choice`, () => {
        const img = randomImage(w, h, channels, w * 1000 + h * 10 + channels);
        for (const filter of filters) {
          const png = encodePng(img, { filter });
          const back = decodePng(png);
          expect(back.width).toBe(w);
          expect(back.height).toBe(h);
          expect(back.channels).toBe(channels);
          expect(back.colorType).toBe(channels === 3 ? 2 : 6);
          expect(back.bitDepth).toBe(8);
          expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
        }
      });
    }
  }

  it("round trips the same pixels at every zlib level", () => {
    const img = randomImage(17, 11, 3, 7);
    for (let level = 0; level <= 9; level++) {
      expect(Buffer.from(decodePng(encodePng(img, { level })).data).equals(Buffer.from(img.data))).toBe(true);
    }
  });

  it("uses the filters it is told to, row by row", () => {
    const img = randomImage(9, 4, 3, 3);
    for (const [filter, code] of [["none", 0], ["sub", 1], ["up", 2], ["average", 3], ["paeth", 4]] as const) {
      const png = encodePng(img, { filter });
      // Independently inflate the IDAT and read the filter byte of each row.
      const raw = execFileSync(
        PYTHON,
        ["-c", "import sys,zlib;b=sys.stdin.buffer.read();i=b.index(b'IDAT');n=int.from_bytes(b[i-4:i],'big');sys.stdout.write(zlib.decompress(b[i+4:i+4+n]).hex())"],
        { input: png },
      ).toString();
      const bytes = Buffer.from(raw, "hex");
      const stride = 9 * 3 + 1;
      for (let y = 0; y < 4; y++) expect(bytes[y * stride]).toBe(code);
    }
  });
});

describe("encoder output is read by independent decoders", () => {
  for (const [w, h] of SIZES) {
    for (const channels of [3, 4] as const) {
      it(`Python zlib+struct decodes ${w}x${h}x${channels} to the same pixels`, () => {
        const img = randomImage(w, h, channels, 77 + w * h + channels);
        const py = pythonDecode(encodePng(img));
        expect(py.width).toBe(w);
        expect(py.height).toBe(h);
        expect(py.colorType).toBe(channels === 3 ? 2 : 6);
        expect(Buffer.from(py.data).equals(Buffer.from(img.data))).toBe(true);
      });
    }
  }

  it("`file` recognises the output", () => {
    const rgb = join(dir, "rgb.png");
    const rgba = join(dir, "rgba.png");
    writeFileSync(rgb, encodePng(randomImage(31, 17, 3, 1)));
    writeFileSync(rgba, encodePng(randomImage(5, 3, 4, 2)));
    expect(execFileSync("file", ["-b", rgb]).toString()).toMatch(/^PNG image data, 31 x 17, 8-bit\/color RGB, non-interlaced/);
    expect(execFileSync("file", ["-b", rgba]).toString()).toMatch(/^PNG image data, 5 x 3, 8-bit\/color RGBA, non-interlaced/);
  });

  it("adaptive filtering keeps heatmap-like images small", () => {
    // 8x8 blocks of 16 colours: what nearest-neighbour tiles look like.
    const w = 256;
    const h = 128;
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = ((x >> 3) * 7 + (y >> 3) * 13) % 16;
        data.set([v * 16, 255 - v * 16, (v * 40) & 255], (y * w + x) * 3);
      }
    }
    const img: Pixels = { width: w, height: h, channels: 3, data };
    const adaptive = encodePng(img).length;
    const none = encodePng(img, { filter: "none" }).length;
    expect(adaptive).toBeLessThan(none);
    expect(adaptive).toBeLessThan(w * h * 3 * 0.02);
  });
});

describe("decodePng reads PNGs written by another encoder", () => {
  const allFilters = [0, 1, 2, 3, 4];

  it("RGB and RGBA with all five filter types", () => {
    for (const [ct, channels] of [[2, 3], [6, 4]] as const) {
      const img = randomImage(23, 10, channels, ct);
      const png = pythonEncode({ w: 23, h: 10, ct, depth: 8, filters: allFilters }, img.data);
      const back = decodePng(png);
      expect(back.channels).toBe(channels);
      expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
    }
  });

  it("8-bit grayscale and gray+alpha become RGB and RGBA", () => {
    const gray = randomImage(9, 7, 3, 5).data.subarray(0, 63);
    const g = decodePng(pythonEncode({ w: 9, h: 7, ct: 0, depth: 8, filters: allFilters }, gray));
    expect(g.channels).toBe(3);
    expect(g.colorType).toBe(0);
    for (let i = 0; i < 63; i++) expect([g.data[i * 3], g.data[i * 3 + 1], g.data[i * 3 + 2]]).toEqual([gray[i], gray[i], gray[i]]);

    const ga = randomImage(5, 6, 3, 6).data.subarray(0, 60);
    const d = decodePng(pythonEncode({ w: 5, h: 6, ct: 4, depth: 8, filters: allFilters }, ga));
    expect(d.channels).toBe(4);
    for (let i = 0; i < 30; i++) {
      expect(Array.from(d.data.subarray(i * 4, i * 4 + 4))).toEqual([ga[i * 2], ga[i * 2], ga[i * 2], ga[i * 2 + 1]]);
    }
  });

  it("palette images, with and without transparency", () => {
    const plte = "ff0000" + "00ff00" + "0000ff" + "ffffff";
    const indices = Uint8Array.from([0, 1, 2, 3, 3, 2, 1, 0]);
    const p = decodePng(pythonEncode({ w: 4, h: 2, ct: 3, depth: 8, filters: [0, 1], plte }, indices));
    expect(p.channels).toBe(3);
    expect(Array.from(p.data.subarray(0, 12))).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
    const t = decodePng(pythonEncode({ w: 4, h: 2, ct: 3, depth: 8, filters: [0], plte, trns: "00ff" }, indices));
    expect(t.channels).toBe(4);
    expect(Array.from(t.data.subarray(0, 16))).toEqual([255, 0, 0, 0, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255]);
  });

  it("sub-byte gray and palette depths", () => {
    // 1-bit gray, 10 pixels wide: 1011001110 -> 2 bytes per row.
    const g1 = decodePng(pythonEncode({ w: 10, h: 1, ct: 0, depth: 1, filters: [1] }, Uint8Array.from([0b10110011, 0b10000000])));
    expect(Array.from({ length: 10 }, (_, i) => g1.data[i * 3])).toEqual([255, 0, 255, 255, 0, 0, 255, 255, 255, 0]);
    // 4-bit palette: indices 0..3 in nibbles.
    const p4 = decodePng(
      pythonEncode({ w: 3, h: 1, ct: 3, depth: 4, filters: [0], plte: "000000" + "808080" + "ffffff" }, Uint8Array.from([0x12, 0x00])),
    );
    expect(Array.from(p4.data)).toEqual([128, 128, 128, 255, 255, 255, 0, 0, 0]);
    // 2-bit gray scales 0..3 to 0..255.
    const g2 = decodePng(pythonEncode({ w: 4, h: 1, ct: 0, depth: 2, filters: [0] }, Uint8Array.from([0b00011011])));
    expect(Array.from({ length: 4 }, (_, i) => g2.data[i * 3])).toEqual([0, 85, 170, 255]);
  });

  it("16-bit RGB keeps the high byte of each sample", () => {
    const raw = Uint8Array.from([0x12, 0x34, 0xab, 0xcd, 0xff, 0x00, 0x01, 0xff, 0x80, 0x00, 0x7f, 0xff]);
    const d = decodePng(pythonEncode({ w: 2, h: 1, ct: 2, depth: 16, filters: [4] }, raw));
    expect(d.bitDepth).toBe(16);
    expect(Array.from(d.data)).toEqual([0x12, 0xab, 0xff, 0x01, 0x80, 0x7f]);
  });
});

describe("decodePng refuses bad input with typed errors", () => {
  const good = encodePng(randomImage(4, 4, 3, 9));

  function corrupt(edit: (b: Buffer) => Buffer): () => unknown {
    return () => decodePng(edit(Buffer.from(good)));
  }

  it("not a PNG", () => {
    expect(() => decodePng(new TextEncoder().encode("GIF89a......"))).toThrow(ArgumentError);
    expect(() => decodePng(new Uint8Array(0))).toThrow(/not a PNG file/);
  });

  it("CRC mismatch names the chunk", () => {
    expect(corrupt((b) => { b[8 + 8 + 3] ^= 1; return b; })).toThrow(/CRC mismatch in chunk IHDR/);
  });

  it("truncated file", () => {
    expect(corrupt((b) => b.subarray(0, 40))).toThrow(/runs past the end|truncated/);
  });

  it("interlaced images say so", () => {
    const ihdr = Buffer.from(good.subarray(8, 8 + 25));
    ihdr[8 + 12] = 1;
    ihdr.writeUInt32BE(crc32(ihdr, 4, 21), 21);
    const png = Buffer.concat([good.subarray(0, 8), ihdr, good.subarray(33)]);
    expect(() => decodePng(png)).toThrow(/interlaced \(Adam7\) PNGs are not supported/);
  });

  it("corrupt image data, bad filter byte, unknown critical chunk", () => {
    const body = Buffer.from("garbage!");
    const chunk = (type: string, data: Buffer) => {
      const out = Buffer.alloc(12 + data.length);
      out.writeUInt32BE(data.length, 0);
      out.write(type, 4, "latin1");
      data.copy(out, 8);
      out.writeUInt32BE(crc32(out, 4, 8 + data.length), 8 + data.length);
      return out;
    };
    const head = good.subarray(0, 33);
    const end = chunk("IEND", Buffer.alloc(0));
    expect(() => decodePng(Buffer.concat([head, chunk("IDAT", body), end]))).toThrow(/does not inflate/);
    const rows = Buffer.alloc(4 * 13);
    rows[13] = 9;
    expect(() => decodePng(Buffer.concat([head, chunk("IDAT", deflateSync(rows)), end]))).toThrow(/invalid filter type 9 on row 1/);
    expect(() => decodePng(Buffer.concat([head, chunk("ABCD", body), chunk("IDAT", deflateSync(Buffer.alloc(52))), end]))).toThrow(
      /unknown critical chunk ABCD/,
    );
    // A zip bomb is cut off at the expected size instead of filling memory.
    expect(() => decodePng(Buffer.concat([head, chunk("IDAT", deflateSync(Buffer.alloc(1 << 22))), end]))).toThrow(ArgumentError);
  });

  it("giant sizes are refused before allocating", () => {
    const ihdr = Buffer.from(good.subarray(8, 33));
    ihdr.writeUInt32BE(100_000, 8);
    ihdr.writeUInt32BE(100_000, 12);
    ihdr.writeUInt32BE(crc32(ihdr, 4, 21), 21);
    expect(() => decodePng(Buffer.concat([good.subarray(0, 8), ihdr, good.subarray(33)]))).toThrow(SizeError);
  });
});

describe("encodePng refuses bad input", () => {
  it("wrong buffer length, channels, sizes, level", () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).toThrow(/expected 12 bytes/);
    expect(() => encodePng({ width: 1, height: 1, channels: 2 as 3, data: new Uint8Array(2) })).toThrow(ArgumentError);
    expect(() => encodePng({ width: 0, height: 1, channels: 3, data: new Uint8Array(0) })).toThrow(/positive integers/);
    expect(() => encodePng({ width: 1.5, height: 1, channels: 3, data: new Uint8Array(3) })).toThrow(ArgumentError);
    expect(() => encodePng({ width: 1, height: 1, channels: 3, data: new Uint8Array(3) }, { level: 12 })).toThrow(/level/);
    expect(() => encodePng({ width: 1 << 14, height: 1 << 14, channels: 3, data: new Uint8Array(3) })).toThrow(SizeError);
  });
});
