// The console's enhancements where JavaScript runs. Every page works
// without them: the QR code page has a link to check again.
import { initAll } from './govuk-frontend.min.js';

document.body.classList.add('js-enabled');
if ('noModule' in HTMLScriptElement.prototype) {
  document.body.classList.add('govuk-frontend-supported');
}
initAll();

const pollMs = 2000;

/** Minutes and seconds left until an ISO instant, as words. */
function timeLeft(expiresAt) {
  const ms = new Date(expiresAt).getTime() - Date.now();
  if (ms <= 0) return ' (now)';
  const minutes = Math.floor(ms / 60000);
  const seconds = Math.floor((ms % 60000) / 1000);
  return minutes > 0
    ? ` (in ${minutes} min ${seconds} s)`
    : ` (in ${seconds} s)`;
}

function startCountdowns() {
  for (const el of document.querySelectorAll('[data-expires-at]')) {
    const tick = () => {
      el.textContent = timeLeft(el.dataset.expiresAt);
    };
    tick();
    setInterval(tick, 1000);
  }
}

/**
 * Polls the offer page itself and swaps the status region when the
 * status changes, so the QR code goes once the wallet has fetched the
 * offer and the tx_code shows instead.
 */
function pollOffer() {
  const region = document.getElementById('offer-status');
  if (!region || region.dataset.final === 'true') return;
  for (const link of region.querySelectorAll('.console-refresh')) {
    link.parentElement.hidden = true;
  }
  const timer = setInterval(async () => {
    let text;
    try {
      const response = await fetch(window.location.href, {
        credentials: 'same-origin',
        cache: 'no-store',
      });
      if (!response.ok) return;
      text = await response.text();
    } catch {
      return;
    }
    const next = new DOMParser()
      .parseFromString(text, 'text/html')
      .getElementById('offer-status');
    if (!next) return;
    const current = document.getElementById('offer-status');
    if (next.dataset.status === current.dataset.status) return;
    // The region itself stays, so screen readers announce the change.
    current.innerHTML = next.innerHTML;
    current.dataset.status = next.dataset.status;
    current.dataset.final = next.dataset.final;
    startCountdowns();
    for (const link of current.querySelectorAll('.console-refresh')) {
      link.parentElement.hidden = true;
    }
    if (next.dataset.final === 'true') clearInterval(timer);
  }, pollMs);
}

startCountdowns();
pollOffer();
