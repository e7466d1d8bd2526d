// Writes media/icon.png (128×128, the marketplace icon) without any image tool: a pipeline glyph on a dark tile.
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const size = 128;
const px = Buffer.alloc(size * size * 4);
const set = (x, y, [r, g, b]) => {
  if (x < 0 || y < 0 || x >= size || y >= size) return;
  const i = (y * size + x) * 4;
  px[i] = r; px[i + 1] = g; px[i + 2] = b; px[i + 3] = 255;
};
const tile = [30, 41, 59], line = [148, 163, 184], ok = [74, 222, 128], bad = [248, 113, 113], warn = [250, 204, 21];
for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
  const r = 20, dx = Math.max(r - x, x - (size - 1 - r), 0), dy = Math.max(r - y, y - (size - 1 - r), 0);
  if (dx * dx + dy * dy <= r * r) set(x, y, tile);
}
const disc = (cx, cy, rad, c) => { for (let y = -rad; y <= rad; y++) for (let x = -rad; x <= rad; x++) if (x * x + y * y <= rad * rad) set(cx + x, cy + y, c); };
const bar = (x0, y0, x1, y1, c) => { for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) set(x, y, c); };
bar(34, 38, 70, 43, line); bar(66, 38, 71, 94, line); bar(34, 89, 94, 94, line); bar(66, 62, 94, 67, line);
disc(32, 40, 12, ok); disc(32, 92, 12, bad); disc(96, 64, 12, warn); disc(96, 92, 8, ok);
const rows = [];
for (let y = 0; y < size; y++) rows.push(Buffer.from([0]), px.subarray(y * size * 4, (y + 1) * size * 4));
const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
const chunk = (type, data) => { const len = Buffer.alloc(4); len.writeUInt32BE(data.length); const td = Buffer.concat([Buffer.from(type), data]); const c = Buffer.alloc(4); c.writeUInt32BE(crc(td)); return Buffer.concat([len, td, c]); };
const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4); ihdr[8] = 8; ihdr[9] = 6;
writeFileSync(new URL('../media/icon.png', import.meta.url), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]));
