// How the results panel writes the judge's error figures.
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatBound, formatError } from "../src/runs.js";

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
