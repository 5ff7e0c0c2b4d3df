// A minimal line-chart renderer that writes PNG with node:zlib alone.
//
// Why not a chart library: the well-kept ones that render to PNG without a browser draw through a
// native canvas. chartjs-node-canvas needs `canvas`, whose prebuilt binary comes from GitHub (not
// reachable here) and whose source build needs the cairo/pixman development packages: an install
// that fails on a fresh machine of this project. A line chart is a few hundred lines: an RGB
// raster, Bresenham lines, a 5×7 bitmap font, and PNG's IHDR/IDAT/IEND chunks with CRC32.
import { deflateSync } from 'node:zlib';

export type Rgb = readonly [number, number, number];

export interface Series {
  label: string;
  color: Rgb;
  /** [x, y] points in data units, x ascending. */
  points: readonly (readonly [number, number])[];
}

export interface Marker {
  x: number;
  label: string;
  color: Rgb;
}

export interface Panel {
  title: string;
  yLabel: string;
  series: Series[];
  /** Vertical lines, e.g. a restart at x. */
  markers?: Marker[];
}

export interface ChartOptions {
  width?: number;
  panelHeight?: number;
  xLabel?: string;
  title?: string;
}

export const PALETTE: readonly Rgb[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [127, 127, 127],
  [188, 189, 34],
  [23, 190, 207],
];

const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];
const GRID: Rgb = [225, 225, 225];
const AXIS: Rgb = [90, 90, 90];

/** Renders stacked panels sharing one x axis into a PNG. */
export function renderChartPng(panels: Panel[], opts: ChartOptions = {}): Buffer {
  const width = opts.width ?? 1200;
  const panelHeight = opts.panelHeight ?? 260;
  const header = opts.title ? 36 : 8;
  const footer = 36;
  const height = header + panels.length * panelHeight + footer;
  const img = new Raster(width, height);
  img.fill(0, 0, width, height, WHITE);
  if (opts.title) img.text(12, 10, opts.title, BLACK, 2);

  const left = 80;
  const right = width - 230;
  const xs = panels.flatMap((p) => [
    ...p.series.flatMap((s) => s.points.map(([x]) => x)),
    ...(p.markers ?? []).map((m) => m.x),
  ]);
  const xMin = xs.length ? Math.min(...xs) : 0;
  const xMax = xs.length ? Math.max(...xs, xMin + 1) : 1;
  const xTicks = niceTicks(xMin, xMax, 10);
  const sx = (x: number) => left + ((x - xMin) / (xMax - xMin)) * (right - left);

  panels.forEach((panel, i) => {
    const top = header + i * panelHeight + 24;
    const bottom = header + (i + 1) * panelHeight - 22;
    const ys = panel.series.flatMap((s) => s.points.map(([, y]) => y));
    const yMax = Math.max(1, ...ys) * 1.08;
    const yTicks = niceTicks(0, yMax, 5);
    const yTop = yTicks[yTicks.length - 1]!;
    const sy = (y: number) => bottom - (y / yTop) * (bottom - top);

    img.text(left, top - 20, panel.title, BLACK, 2);
    for (const t of yTicks) {
      const y = Math.round(sy(t));
      img.hline(left, right, y, GRID);
      const label = formatTick(t);
      img.text(left - 8 - label.length * 6, y - 3, label, AXIS, 1);
    }
    for (const t of xTicks) img.vline(Math.round(sx(t)), top, bottom, GRID);
    img.vline(left, top, bottom, AXIS);
    img.hline(left, right, bottom, AXIS);
    img.textVertical(14, Math.round((top + bottom) / 2 + panel.yLabel.length * 3), panel.yLabel, AXIS);

    for (const m of panel.markers ?? []) {
      const x = Math.round(sx(m.x));
      for (let y = top; y < bottom; y += 6) img.vline(x, y, Math.min(y + 3, bottom), m.color);
    }
    for (const s of panel.series) {
      for (let k = 1; k < s.points.length; k++) {
        const [x0, y0] = s.points[k - 1]!;
        const [x1, y1] = s.points[k]!;
        img.line(sx(x0), sy(y0), sx(x1), sy(y1), s.color, 2);
      }
      if (s.points.length === 1)
        img.fill(Math.round(sx(s.points[0]![0])) - 1, Math.round(sy(s.points[0]![1])) - 1, 3, 3, s.color);
    }
    // Legend: series, then the kinds of marker.
    let ly = top;
    const legend = [
      ...panel.series.map((s) => [s.label, s.color] as const),
      ...uniqueMarkers(panel.markers ?? []).map((m) => [m.label, m.color] as const),
    ];
    for (const [label, color] of legend.slice(0, 14)) {
      img.fill(right + 14, ly + 2, 14, 4, color);
      img.text(right + 34, ly, label.slice(0, 30), BLACK, 1);
      ly += 13;
    }
  });

  const axisY = header + panels.length * panelHeight - 22;
  for (const t of xTicks) {
    const label = formatTick(t);
    img.text(Math.round(sx(t)) - label.length * 3, axisY + 6, label, AXIS, 1);
  }
  if (opts.xLabel) img.text(Math.round((left + right) / 2 - opts.xLabel.length * 6), axisY + 20, opts.xLabel, AXIS, 2);
  return img.png();
}

function uniqueMarkers(markers: Marker[]): Marker[] {
  const seen = new Map<string, Marker>();
  for (const m of markers) if (!seen.has(m.label)) seen.set(m.label, m);
  return [...seen.values()];
}

/** Round tick values covering [min, max], about `count` of them. */
export function niceTicks(min: number, max: number, count: number): number[] {
  const span = Math.max(max - min, 1e-9);
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.floor(min / step) * step; t <= max + step * 0.999; t += step) {
    if (t >= min - step * 1e-6) ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

function formatTick(v: number): string {
  if (Math.abs(v) >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (Math.abs(v) >= 1e4) return `${Number((v / 1e3).toPrecision(3))}K`;
  return String(Number(v.toPrecision(4)));
}

class Raster {
  private readonly data: Buffer;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = Buffer.alloc(width * height * 3);
  }

  set(x: number, y: number, [r, g, b]: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    this.data[i] = r;
    this.data[i + 1] = g;
    this.data[i + 2] = b;
  }

  fill(x: number, y: number, w: number, h: number, c: Rgb): void {
    for (let j = y; j < y + h; j++) for (let i = x; i < x + w; i++) this.set(i, j, c);
  }

  hline(x0: number, x1: number, y: number, c: Rgb): void {
    for (let x = Math.round(x0); x <= Math.round(x1); x++) this.set(x, y, c);
  }

  vline(x: number, y0: number, y1: number, c: Rgb): void {
    for (let y = Math.round(y0); y <= Math.round(y1); y++) this.set(x, y, c);
  }

  /** Bresenham, each point drawn as a `thickness`-wide square. */
  line(fx0: number, fy0: number, fx1: number, fy1: number, c: Rgb, thickness: number): void {
    let x0 = Math.round(fx0);
    let y0 = Math.round(fy0);
    const x1 = Math.round(fx1);
    const y1 = Math.round(fy1);
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const stepX = x0 < x1 ? 1 : -1;
    const stepY = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    for (;;) {
      this.fill(x0, y0, thickness, thickness, c);
      if (x0 === x1 && y0 === y1) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += stepX;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += stepY;
      }
    }
  }

  text(x: number, y: number, s: string, c: Rgb, scale: number): void {
    let cx = x;
    for (const ch of s.toUpperCase()) {
      const glyph = FONT[ch] ?? FONT['?']!;
      glyph.forEach((row, j) => {
        for (let i = 0; i < 5; i++) if (row & (0x10 >> i)) this.fill(cx + i * scale, y + j * scale, scale, scale, c);
      });
      cx += 6 * scale;
    }
  }

  /** Text rotated 90° counter-clockwise, reading bottom to top from (x, y). */
  textVertical(x: number, y: number, s: string, c: Rgb): void {
    let cy = y;
    for (const ch of s.toUpperCase()) {
      const glyph = FONT[ch] ?? FONT['?']!;
      glyph.forEach((row, j) => {
        for (let i = 0; i < 5; i++) if (row & (0x10 >> i)) this.set(x + j, cy - i, c);
      });
      cy -= 6;
    }
  }

  png(): Buffer {
    const rowBytes = this.width * 3;
    const raw = Buffer.alloc((rowBytes + 1) * this.height);
    for (let y = 0; y < this.height; y++) {
      raw[y * (rowBytes + 1)] = 0; // filter type None
      this.data.copy(raw, y * (rowBytes + 1) + 1, y * rowBytes, (y + 1) * rowBytes);
    }
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(this.width, 0);
    ihdr.writeUInt32BE(this.height, 4);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 2; // colour type: RGB
    ihdr[10] = 0; // deflate
    ihdr[11] = 0; // adaptive filtering
    ihdr[12] = 0; // no interlace
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(raw, { level: 9 })),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// A classic 5×7 font: seven rows of five bits, most significant bit leftmost. Upper case only.
const FONT: Record<string, readonly number[]> = {
  ' ': [0, 0, 0, 0, 0, 0, 0],
  '0': [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e],
  '1': [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e],
  '2': [0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f],
  '3': [0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e],
  '4': [0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02],
  '5': [0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e],
  '6': [0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e],
  '7': [0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
  '8': [0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e],
  '9': [0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c],
  A: [0x0e, 0x11, 0x11, 0x11, 0x1f, 0x11, 0x11],
  B: [0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e],
  C: [0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e],
  D: [0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c],
  E: [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f],
  F: [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10],
  G: [0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f],
  H: [0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
  I: [0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e],
  J: [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c],
  K: [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
  L: [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f],
  M: [0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11],
  N: [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
  O: [0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e],
  P: [0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10],
  Q: [0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d],
  R: [0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11],
  S: [0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e],
  T: [0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
  U: [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e],
  V: [0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04],
  W: [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a],
  X: [0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11],
  Y: [0x11, 0x11, 0x11, 0x0a, 0x04, 0x04, 0x04],
  Z: [0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f],
  '.': [0, 0, 0, 0, 0, 0x0c, 0x0c],
  ',': [0, 0, 0, 0, 0x0c, 0x04, 0x08],
  ':': [0, 0x0c, 0x0c, 0, 0x0c, 0x0c, 0],
  '-': [0, 0, 0, 0x1f, 0, 0, 0],
  '+': [0, 0x04, 0x04, 0x1f, 0x04, 0x04, 0],
  '/': [0, 0x01, 0x02, 0x04, 0x08, 0x10, 0],
  '(': [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02],
  ')': [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08],
  '%': [0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03],
  _: [0, 0, 0, 0, 0, 0, 0x1f],
  '=': [0, 0, 0x1f, 0, 0x1f, 0, 0],
  '#': [0x0a, 0x0a, 0x1f, 0x0a, 0x1f, 0x0a, 0x0a],
  '*': [0, 0x04, 0x15, 0x0e, 0x15, 0x04, 0],
  '<': [0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02],
  '>': [0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08],
  '[': [0x0e, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0e],
  ']': [0x0e, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0e],
  '|': [0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
  '?': [0x0e, 0x11, 0x01, 0x02, 0x04, 0, 0x04],
  '!': [0x04, 0x04, 0x04, 0x04, 0x04, 0, 0x04],
  '~': [0, 0, 0x08, 0x15, 0x02, 0, 0],
  "'": [0x04, 0x04, 0x08, 0, 0, 0, 0],
};
