/**
 * The two parts of `qrcode` the offer's QR code uses, imported on their
 * own so that its PNG renderer (and pngjs) stay out of the bundle. Typed
 * from @types/qrcode, which types only the package's main entry.
 */
declare module 'qrcode/lib/core/qrcode.js' {
  export { create } from 'qrcode';
}

declare module 'qrcode/lib/renderer/svg-tag.js' {
  import type { QRCode, QRCodeToStringOptions } from 'qrcode';

  export function render(qr: QRCode, options: QRCodeToStringOptions): string;
}
