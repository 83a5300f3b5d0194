/**
 * The credential offer as a QR code a phone can scan off a screen: black on
 * opaque white (a transparent background turns dark in dark mode and will
 * not scan), the 4-module quiet zone ISO/IEC 18004 asks for, and error
 * correction M.
 */
import QRCode from 'qrcode';

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
  const { version } = QRCode.create(uri, { errorCorrectionLevel: 'M' });
  if (version > MAX_QR_VERSION) {
    throw new QrTooLargeError(
      `The offer needs QR version ${version}; at most ${MAX_QR_VERSION} ` +
        'scans reliably. Send the offer by reference (credential_offer_uri).',
    );
  }
  const common = {
    errorCorrectionLevel: 'M',
    version,
    margin: QUIET_ZONE_MODULES,
    color: { dark: DARK, light: LIGHT },
  } as const;

  const [svg, png] = await Promise.all([
    QRCode.toString(uri, { ...common, type: 'svg' }),
    QRCode.toDataURL(uri, {
      ...common,
      type: 'image/png',
      scale: PNG_PIXELS_PER_MODULE,
    }),
  ]);

  return { svg, png, version };
}
