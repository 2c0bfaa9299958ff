// When to try the server again after a failure it may recover from (a database outage answered
// 503, a dropped connection): never sooner than its Retry-After, otherwise a doubling backoff;
// bounded so a candidate never waits long once it is back, and spread a little so that every
// candidate's page does not come back in the same second after an outage.

export const FIRST_RETRY_MS = 2000;
export const MAX_BACKOFF_MS = 10_000;
// A Retry-After above this is not believed: a candidate's clock is running.
export const MAX_ASKED_MS = 60_000;
const SPREAD = 0.2;

// `failures` counts the failed tries in a row, this one included (1 after the first).
export function retryDelay(error, failures, random = Math.random) {
  const backoff = Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1), MAX_BACKOFF_MS);
  const asked = error && Number.isFinite(error.retryAfter) ? Math.min(Math.max(error.retryAfter, 0) * 1000, MAX_ASKED_MS) : 0;
  return Math.round(Math.max(backoff, asked) * (1 + SPREAD * random()));
}

// Retry-After is either seconds or an HTTP date (RFC 9110 §10.2.3); null when absent or unreadable.
export function parseRetryAfter(header, now = Date.now()) {
  if (header === null || header === undefined || String(header).trim() === "") return null;
  const text = String(header).trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = /[a-z]/i.test(text) ? Date.parse(text) : NaN; // a date names its day or month
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - now) / 1000)) : null;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
