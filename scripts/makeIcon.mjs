// Draws the extension's 128×128 icon (images/icon.png): the allocator layers as stacked blocks,
// page allocator at the bottom, with one allocation's path lit — the allocator map in miniature.
// Our own drawing, encoded with zlib only: `node scripts/makeIcon.mjs`.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const SIZE = 128;
const pixels = Buffer.alloc(SIZE * SIZE * 4);
const hex = (value) => [1, 3, 5].map((i) => parseInt(value.slice(i, i + 2), 16));

function fill(x0, y0, x1, y1, color, radius = 0) {
  const [r, g, b] = hex(color);
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      // Rounded corners: skip pixels outside the corner circles.
      const cx = x < x0 + radius ? x0 + radius : x >= x1 - radius ? x1 - radius - 1 : x;
      const cy = y < y0 + radius ? y0 + radius : y >= y1 - radius ? y1 - radius - 1 : y;
      if ((x - cx) ** 2 + (y - cy) ** 2 > radius ** 2) continue;
      const at = (y * SIZE + x) * 4;
      pixels[at] = r;
      pixels[at + 1] = g;
      pixels[at + 2] = b;
      pixels[at + 3] = 255;
    }
  }
}

const BG = '#1e2a38';
const BLOCK = '#5b7083';
const LIT = '#f5a623';
fill(0, 0, SIZE, SIZE, BG, 20);
// Rows top to bottom: wrappers, front ends, slab/vmalloc, page allocator.
const rows = [
  {
    y: 16,
    blocks: [
      [14, 42, BLOCK],
      [48, 80, LIT],
      [86, 114, BLOCK],
    ],
  },
  {
    y: 42,
    blocks: [
      [14, 58, BLOCK],
      [64, 114, LIT],
    ],
  },
  {
    y: 68,
    blocks: [
      [14, 42, BLOCK],
      [48, 80, LIT],
      [86, 114, BLOCK],
    ],
  },
  { y: 94, blocks: [[14, 114, LIT]] },
];
for (const row of rows) for (const [x0, x1, color] of row.blocks) fill(x0, row.y, x1, row.y + 20, color, 4);

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([length, body, crc]);
}
const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) pixels.copy(raw, y * (SIZE * 4 + 1) + 1, y * SIZE * 4, (y + 1) * SIZE * 4);
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'images', 'icon.png');
fs.writeFileSync(out, png);
console.log(`wrote ${out} (${png.length} bytes)`);
