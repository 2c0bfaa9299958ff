// How long the page waits before trying the server again.
import assert from "node:assert/strict";
import { test } from "node:test";

import { FIRST_RETRY_MS, MAX_ASKED_MS, MAX_BACKOFF_MS, parseRetryAfter, retryDelay } from "../src/retry.js";

const none = () => 0;
const most = () => 0.999999;

test("without Retry-After the wait doubles from 2 s and stops growing at 10 s", () => {
  const waits = [1, 2, 3, 4, 5, 6, 20].map((n) => retryDelay(null, n, none));
  assert.deepEqual(waits, [2000, 4000, 8000, 10_000, 10_000, 10_000, 10_000]);
  assert.equal(FIRST_RETRY_MS, 2000);
  assert.equal(MAX_BACKOFF_MS, 10_000);
});

test("the server's Retry-After is a floor: never sooner, the backoff may wait longer", () => {
  const unavailable = { retryAfter: 5 };
  assert.equal(retryDelay(unavailable, 1, none), 5000);
  assert.equal(retryDelay(unavailable, 2, none), 5000);
  assert.equal(retryDelay(unavailable, 3, none), 8000);
  assert.equal(retryDelay(unavailable, 9, none), 10_000);
  assert.equal(retryDelay({ retryAfter: 0 }, 1, none), 2000);
  assert.equal(retryDelay({ retryAfter: null }, 1, none), 2000);
});

test("an unbelievable Retry-After is bounded: the candidate's clock is running", () => {
  assert.equal(retryDelay({ retryAfter: 3600 }, 1, none), MAX_ASKED_MS);
  assert.equal(retryDelay({ retryAfter: -4 }, 1, none), 2000);
});

test("waits are spread by up to a fifth, later and never sooner", () => {
  assert.equal(retryDelay({ retryAfter: 5 }, 1, most), 6000);
  assert.equal(retryDelay(null, 4, most), 12_000);
  for (let i = 0; i < 200; i += 1) {
    const wait = retryDelay({ retryAfter: 5 }, 1);
    assert.ok(wait >= 5000 && wait <= 6000, String(wait));
  }
});

test("Retry-After reads as seconds or as an HTTP date", () => {
  const now = Date.parse("2026-12-03T20:00:00Z");
  assert.equal(parseRetryAfter("5", now), 5);
  assert.equal(parseRetryAfter(" 120 ", now), 120);
  assert.equal(parseRetryAfter("Thu, 03 Dec 2026 20:00:07 GMT", now), 7);
  assert.equal(parseRetryAfter("Thu, 03 Dec 2026 19:59:00 GMT", now), 0);
  assert.equal(parseRetryAfter(null, now), null);
  assert.equal(parseRetryAfter("", now), null);
  assert.equal(parseRetryAfter("soon", now), null);
  assert.equal(parseRetryAfter("1.5", now), null);
});
