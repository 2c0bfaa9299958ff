// How the results panel writes the judge's error figures.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError, NetworkError } from "../src/api.js";
import { explainRunError, formatBound, formatError } from "../src/runs.js";

test("the absolute error reads as the power of ten it stays under", () => {
  assert.equal(formatBound(0.001), "\u2264 1e-3");
  assert.equal(formatBound(100), "\u2264 1e2");
  assert.equal(formatBound(1), "\u2264 1e0");
  assert.equal(formatBound(0), "0");
  assert.equal(formatBound(null), "–");
  assert.equal(formatBound("inf"), "inf");
});

test("the relative error keeps three significant digits", () => {
  assert.equal(formatError(0.000123456), "1.23e-4");
  assert.equal(formatError("nan"), "nan");
});

test("a run refused by a server that is down, busy or unreachable says what to do", () => {
  const down = new ApiError(503, { type: "/problems/database-unavailable", detail: "The service cannot reach its database right now; try again shortly." }, 5);
  assert.equal(explainRunError(down), "Not run: the server is unavailable right now. Your code is kept; try again in a few seconds.");
  const limited = new ApiError(429, { type: "/problems/run-rate-limited", detail: "Try again in 40 seconds." }, 40);
  assert.equal(explainRunError(limited), "Not run: too many runs in a short time. Try again in 40 seconds.");
  assert.match(explainRunError(new NetworkError("Failed to fetch")), /^Could not reach the server/);
  assert.throws(() => explainRunError(new TypeError("a bug")), TypeError);
});
