import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import {
  credentialOffer,
  credentialOfferUri,
} from '../../../functions/wallet/metadata.js';
import {
  MAX_QR_VERSION,
  QrTooLargeError,
  renderOfferQr,
} from '../../../functions/wallet/qr.js';

/** A by-reference offer as the London region would print it. */
function offerUri(ref: string): string {
  return credentialOfferUri(
    'https://records.london.education-record.example.org' +
      `/credential-offer/${ref}`,
  );
}

const OFFER_URI = offerUri('GkurKxf5T0Y-mnPFCHqWOMiZi4VS138cQO_V7PZHAdMq1');

const QUIET_ZONE_MODULES = 4;

// jsqr is CommonJS typed as an ES module; its export has itself as default.
const jsQR = jsQRModule.default;

function decodePng(dataUrl: string): PNG {
  const prefix = 'data:image/png;base64,';
  expect(dataUrl.startsWith(prefix)).toBe(true);

  return PNG.sync.read(Buffer.from(dataUrl.slice(prefix.length), 'base64'));
}

function pixel(png: PNG, x: number, y: number): number[] {
  const at = (png.width * y + x) * 4;

  return Array.from(png.data.subarray(at, at + 4));
}

describe('renderOfferQr', () => {
  it('fits a by-reference offer in a small symbol', async () => {
    const { version } = await renderOfferQr(OFFER_URI);

    expect(version).toBeLessThanOrEqual(MAX_QR_VERSION);
  });

  it('fits a 200-character offer URI', async () => {
    const uri = offerUri('r'.repeat(73));
    expect(uri).toHaveLength(200);

    const { version } = await renderOfferQr(uri);

    expect(version).toBeLessThanOrEqual(MAX_QR_VERSION);
  });

  it('gives a PNG that decodes back to the exact offer URI', async () => {
    const png = decodePng((await renderOfferQr(OFFER_URI)).png);

    const decoded = jsQR(
      new Uint8ClampedArray(png.data),
      png.width,
      png.height,
    );

    expect(decoded?.data).toBe(OFFER_URI);
  });

  it('draws 8 pixels a module and a 4-module quiet zone', async () => {
    const { png: dataUrl, version } = await renderOfferQr(OFFER_URI);
    const png = decodePng(dataUrl);
    const modules = 17 + 4 * version + 2 * QUIET_ZONE_MODULES;

    expect(png.width).toBe(modules * 8);
    expect(png.height).toBe(png.width);
    // The finder pattern's corner starts just inside the quiet zone.
    expect(pixel(png, 32, 32)).toEqual([0, 0, 0, 255]);
  });

  it('keeps the quiet zone opaque white in every corner', async () => {
    const png = decodePng((await renderOfferQr(OFFER_URI)).png);
    const zone = QUIET_ZONE_MODULES * 8;
    const far = png.width - zone;

    for (const [x0, y0] of [
      [0, 0],
      [far, 0],
      [0, far],
      [far, far],
    ] as const) {
      for (let y = y0; y < y0 + zone; y += 1) {
        for (let x = x0; x < x0 + zone; x += 1) {
          expect(pixel(png, x, y)).toEqual([255, 255, 255, 255]);
        }
      }
    }
  });

  it("draws the pixels qrcode's own 32-bit PNG would, in one bit each", async () => {
    const ours = await renderOfferQr(OFFER_URI);
    const theirs = await QRCode.toDataURL(OFFER_URI, {
      errorCorrectionLevel: 'M',
      margin: QUIET_ZONE_MODULES,
      scale: 8,
      color: { dark: '#000000ff', light: '#ffffffff' },
    });

    const a = decodePng(ours.png);
    const b = decodePng(theirs);

    expect([a.width, a.height]).toEqual([b.width, b.height]);
    expect(Buffer.compare(a.data, b.data)).toBe(0);
    expect(ours.png.length).toBeLessThan(theirs.length);
  });

  it('gives an SVG on an opaque white background', async () => {
    const { svg, version } = await renderOfferQr(OFFER_URI);
    const size = 17 + 4 * version + 2 * QUIET_ZONE_MODULES;

    expect(svg).toContain(`viewBox="0 0 ${size} ${size}"`);
    expect(svg).toContain(`<path fill="#ffffff" d="M0 0h${size}v${size}H0z"/>`);
    expect(svg).toContain('stroke="#000000"');
    expect(svg).not.toMatch(/opacity/);
  });

  it('refuses an offer too long to scan, as by value', async () => {
    const offer = credentialOffer({
      issuer: 'https://records.london.education-record.example.org',
      preAuthorizedCode: 'x'.repeat(43),
      txCodeLength: 6,
    });
    const byValue =
      'openid-credential-offer://?credential_offer=' +
      encodeURIComponent(JSON.stringify(offer));

    await expect(renderOfferQr(byValue)).rejects.toThrow(QrTooLargeError);
  });
});
