/**
 * The credential offer as a QR code a phone can scan off a screen: black on
 * opaque white (a transparent background turns dark in dark mode and will
 * not scan), the 4-module quiet zone ISO/IEC 18004 asks for, and error
 * correction M.
 *
 * `qrcode` makes the symbol and its SVG; the PNG is written here, one bit a
 * pixel. qrcode's own PNG is 32-bit RGBA through pngjs: the same pixels,
 * but about 15 times the SVG's time and most of an offer's latency (see
 * the README, Performance and cost). Only qrcode's symbol and SVG parts are
 * imported, so pngjs stays out of the bundle.
 */
import { crc32, deflateSync } from 'node:zlib';
import { create } from 'qrcode/lib/core/qrcode.js';
import { render as renderSvg } from 'qrcode/lib/renderer/svg-tag.js';

/**
 * Above this version the modules get too small to scan off a laptop screen
 * across a desk; an offer that long should go by reference.
 */
export const MAX_QR_VERSION = 10;

const QUIET_ZONE_MODULES = 4;
const PNG_PIXELS_PER_MODULE = 8;
const DARK = '#000000ff';
const LIGHT = '#ffffffff';

export class QrTooLargeError extends Error {
  override readonly name = 'QrTooLargeError';
}

export interface OfferQr {
  svg: string;
  /** `data:image/png;base64,...` */
  png: string;
  version: number;
}

export async function renderOfferQr(uri: string): Promise<OfferQr> {
  const symbol = create(uri, { errorCorrectionLevel: 'M' });
  if (symbol.version > MAX_QR_VERSION) {
    throw new QrTooLargeError(
      `The offer needs QR version ${symbol.version}; at most ` +
        `${MAX_QR_VERSION} scans reliably. Send the offer by reference ` +
        '(credential_offer_uri).',
    );
  }
  const svg = renderSvg(symbol, {
    margin: QUIET_ZONE_MODULES,
    color: { dark: DARK, light: LIGHT },
  });
  const png = bilevelPng(
    symbol.modules,
    QUIET_ZONE_MODULES,
    PNG_PIXELS_PER_MODULE,
  );

  return {
    svg,
    png: `data:image/png;base64,${png.toString('base64')}`,
    version: symbol.version,
  };
}

interface Modules {
  size: number;
  /** One entry a module, row by row: truthy is dark. */
  data: ArrayLike<number | boolean>;
}

/**
 * A PNG of the modules, `scale` pixels each inside a light `margin`: 1-bit
 * greyscale (0 black, 1 white), no transparency, no interlace
 * (https://www.w3.org/TR/png-3/, IHDR colour type 0).
 */
export function bilevelPng(
  modules: Modules,
  margin: number,
  scale: number,
): Buffer {
  const side = (modules.size + 2 * margin) * scale;
  const rowBytes = Math.ceil(side / 8);
  // Each scanline: filter type 0 (none), then the row's bits, white first.
  const raw = Buffer.alloc((rowBytes + 1) * side, 0xff);
  for (let y = 0; y < side; y++) {
    const line = y * (rowBytes + 1);
    raw[line] = 0;
    const row = Math.floor(y / scale) - margin;
    if (row < 0 || row >= modules.size) continue;
    for (let column = 0; column < modules.size; column++) {
      if (!modules.data[row * modules.size + column]) continue;
      const x0 = (column + margin) * scale;
      for (let x = x0; x < x0 + scale; x++) {
        const at = line + 1 + (x >> 3);
        raw[at] = (raw[at] as number) & ~(0x80 >> (x & 7));
      }
    }
    // Bits past the right edge of a row are padding; any value will do.
  }

  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // greyscale
  // Compression, filter and interlace methods: 0, the only ones defined.

  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const PNG_SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);

  return Buffer.concat([head, data, tail]);
}
