import { createHash, randomBytes } from 'node:crypto';

/** A random identifier: 16 bytes, base64url (22 characters). */
export function newId(): string {
  return randomBytes(16).toString('base64url');
}

/** A random secret of `bytes` bytes, base64url. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A random six-digit code, uniformly drawn. */
export function newDigits(length = 6): string {
  let out = '';
  while (out.length < length) {
    const byte = randomBytes(1)[0] ?? 255;
    // 250 is the largest multiple of 10 below 256: skip bytes above it so
    // every digit is equally likely.
    if (byte < 250) out += String(byte % 10);
  }
  return out;
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/**
 * A deterministic id from parts that are not personal data (e.g. a group's
 * kind and name), so that importing the same thing twice finds it again.
 */
export function stableId(...parts: string[]): string {
  return sha256(parts.join('\u0000')).slice(0, 16);
}
