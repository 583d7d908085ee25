// Draws the app's icons (public/icons/*.png) from code, so no image comes from elsewhere: a
// check mark on the accent-blue tile. Deterministic: the same bytes on every run.
// Run: node scripts/make-icons.mjs (then commit public/icons/).
import { writeFileSync, mkdirSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { join } from "node:path";

const out = join(import.meta.dirname, "..", "public", "icons");
const accent = [0x0b, 0x5c, 0xad];
const white = [0xff, 0xff, 0xff];
// The check mark, in units of the icon's side: two strokes.
const strokes = [
  [0.28, 0.52, 0.44, 0.68],
  [0.44, 0.68, 0.74, 0.34],
];

function distanceToSegment(px, py, [ax, ay, bx, by]) {
  const [dx, dy] = [bx - ax, by - ay];
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** RGBA pixels of a `size` icon; `maskable` fills the whole square (the OS crops it) and keeps
 *  the mark inside the central safe zone; otherwise a rounded tile on transparency. */
function draw(size, maskable) {
  const pixels = Buffer.alloc(size * size * 4);
  const scale = maskable ? 0.7 : 1; // maskable: the mark within the 80 % safe circle
  const radius = 0.18 * size;
  const half = 0.065; // the stroke's half width, in units of the side
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // Coverage of the tile (rounded corners), with one pixel of anti-aliasing.
      let tile = 1;
      if (!maskable) {
        const cx = Math.min(Math.max(x + 0.5, radius), size - radius);
        const cy = Math.min(Math.max(y + 0.5, radius), size - radius);
        tile = Math.max(0, Math.min(1, radius - Math.hypot(x + 0.5 - cx, y + 0.5 - cy) + 0.5));
      }
      const u = (x + 0.5) / size;
      const v = (y + 0.5) / size;
      const [mu, mv] = [0.5 + (u - 0.5) / scale, 0.5 + (v - 0.5) / scale];
      const distance = Math.min(...strokes.map((stroke) => distanceToSegment(mu, mv, stroke)));
      const mark = Math.max(0, Math.min(1, ((half - distance) * size * scale) + 0.5));
      const offset = (y * size + x) * 4;
      for (let c = 0; c < 3; c++) pixels[offset + c] = Math.round(accent[c] * (1 - mark) + white[c] * mark);
      pixels[offset + 3] = Math.round(255 * tile);
    }
  }
  return pixels;
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
function png(size, pixels) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) pixels.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

mkdirSync(out, { recursive: true });
for (const [name, size, maskable] of [
  ["icon-192.png", 192, false],
  ["icon-512.png", 512, false],
  ["icon-maskable-512.png", 512, true],
]) {
  writeFileSync(join(out, name), png(size, draw(size, maskable)));
}
