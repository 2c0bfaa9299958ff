// The countdown's arithmetic: the clock offset and the display.
import assert from "node:assert/strict";
import { test } from "node:test";

import { clockOffset, format } from "../src/timer.js";

test("the offset is the server's time minus the middle of the request", () => {
  const sent = Date.parse("2026-12-03T09:00:00.000Z");
  const received = sent + 200;
  assert.equal(clockOffset("2026-12-03T09:00:05.100Z", sent, received), 5000);
  assert.equal(clockOffset(null, sent, received), 0);
});

test("formats minutes and seconds, hours only when needed, never below zero", () => {
  assert.equal(format(65), "01:05");
  assert.equal(format(3600 + 61), "1:01:01");
  assert.equal(format(-3), "00:00");
});
