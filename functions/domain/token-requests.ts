import type { Deps } from '../lib/deps.js';
import { OAuthError } from '../lib/errors.js';
import { sha256 } from '../lib/ids.js';
import { takeFromWindow } from '../lib/rate-windows.js';
import { splitToken } from './chains.js';
import {
  exchangeCode,
  preAuthorizedGrant,
  refreshGrant,
  refreshTokens,
  type TokenGrant,
  tokenRequestKey,
} from './tokens.js';

/** The OAuth error a wallet gets over a limit, with when to try again. */
export const rateLimited = (retryAfter: number) =>
  new OAuthError(429, 'rate_limited', 'Too many requests; try again later.', {
    headers: { 'Retry-After': String(retryAfter) },
  });

/**
 * The key of a client address's counter. A hash, so the table never holds
 * an address; the counter lives a window and a minute.
 */
export const addressKey = (sourceIp: string) => sha256(`address:${sourceIp}`);

/**
 * Addresses over the failure limit, until their window ends (epoch ms).
 * Kept in the process, so a blocked address is refused before any read:
 * the exchange itself costs no round trip for the limit. Another process
 * learns of the block at that address's next failure there.
 */
const blocked = new Map<string, number>();
const maxBlocked = 10_000;

function refuseIfBlocked(deps: Deps, address: string): void {
  const until = blocked.get(address);
  if (until === undefined) return;
  const now = deps.clock.now().getTime();
  if (until <= now) {
    blocked.delete(address);
    return;
  }
  throw rateLimited(Math.max(1, Math.ceil((until - now) / 1000)));
}

function remember(address: string, until: number): void {
  if (blocked.size >= maxBlocked) {
    const now = Date.now();
    for (const [key, end] of blocked) if (end <= now) blocked.delete(key);
    if (blocked.size >= maxBlocked) blocked.clear();
  }
  blocked.set(address, until);
}

/** Counts a refused exchange; the one over the limit is answered 429. */
async function countFailure(deps: Deps, address: string): Promise<void> {
  const settings = deps.config;
  const take = await takeFromWindow(
    deps,
    'exchange-failures',
    address,
    settings.FAILED_EXCHANGE_LIMIT,
    settings.FAILED_EXCHANGE_WINDOW_SECONDS,
  );
  if (take.allowed) return;
  remember(address, deps.clock.now().getTime() + take.retryAfter * 1000);
  throw rateLimited(take.retryAfter);
}

/**
 * `POST /token`. Exchanges of a pre-authorized code are limited by the
 * failures of their client address: only a refused exchange is counted
 * (on its way out, so a success costs nothing more), and the one over the
 * limit, and every one after it in the window, is answered 429. Refreshes
 * are limited per chain, counted before the refresh (one write more).
 */
export async function answerTokenRequest(
  deps: Deps,
  form: URLSearchParams,
  dpop: string | undefined,
  sourceIp: string,
): Promise<TokenGrant> {
  if (form.get('grant_type') === refreshGrant) {
    const jkt = await tokenRequestKey(deps, dpop);
    await limitRefreshes(deps, form.get('refresh_token') ?? '');
    return refreshTokens(deps, form, jkt);
  }

  const address = addressKey(sourceIp);
  refuseIfBlocked(deps, address);
  try {
    if (form.get('grant_type') !== preAuthorizedGrant) {
      throw new OAuthError(
        400,
        'unsupported_grant_type',
        'Use the pre-authorized code grant or refresh_token.',
      );
    }
    const jkt = await tokenRequestKey(deps, dpop);
    return await exchangeCode(deps, form, jkt);
  } catch (error) {
    if (error instanceof OAuthError && error.status < 500) {
      await countFailure(deps, address);
    }
    throw error;
  }
}

async function limitRefreshes(deps: Deps, token: string): Promise<void> {
  const presented = splitToken(token);
  // Not a token of ours: refreshTokens refuses it without a read.
  if (!presented) return;
  const take = await takeFromWindow(
    deps,
    'refreshes',
    presented.chainId,
    deps.config.REFRESH_LIMIT,
    deps.config.REFRESH_WINDOW_SECONDS,
  );
  if (!take.allowed) throw rateLimited(take.retryAfter);
}
