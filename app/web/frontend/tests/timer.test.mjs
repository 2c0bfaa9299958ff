// The countdown's arithmetic: the clock offset and the display.
import assert from "node:assert/strict";
import { test } from "node:test";

import { clockOffset, format, startTimer } from "../src/timer.js";

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

test("a later deadline from the server moves the countdown and its warnings", () => {
  const display = { textContent: "" };
  const timer = { dataset: {} };
  const said = [];
  const now = Date.now();
  const control = startTimer({
    deadline: new Date(now + 61_000).toISOString(),
    offset: 0,
    display,
    timer,
    announce: (message) => said.push(message),
    onFinalCall: () => {},
    onEnd: () => {},
  });
  try {
    assert.equal(timer.dataset.urgency, "low");
    assert.equal(control.resync(new Date(now + 661_000).toISOString(), 0), 10);
    assert.match(display.textContent, /^1[01]:\d\d$/);
    assert.equal(timer.dataset.urgency, "");
    assert.equal(control.resync(new Date(now + 661_000).toISOString(), 0), 0); // unchanged
  } finally {
    control.stop();
  }
});
