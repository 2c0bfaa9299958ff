// The integrity events' queue: what a failed batch becomes.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError, NetworkError } from "../src/api.js";
import { MAX_QUEUED, eventBatcher } from "../src/integrity.js";

const event = (n) => ({ type: "copy", at: `2026-12-04T10:00:${String(n).padStart(2, "0")}Z` });

function batcherFailing(error) {
  const sent = [];
  let fail = error;
  const batcher = eventBatcher((events) => {
    if (fail) return Promise.reject(fail);
    sent.push(...events);
    return Promise.resolve();
  });
  return { batcher, sent, recover: () => (fail = null) };
}

test("a batch lost to an outage or a restart is sent with the next flush, in order", async () => {
  for (const error of [new NetworkError("offline"), new ApiError(503, { type: "/problems/database-unavailable" }, 5)]) {
    const { batcher, sent, recover } = batcherFailing(error);
    [1, 2, 3].forEach((n) => batcher.push(event(n)));
    await batcher.flush();
    assert.equal(batcher.queued(), 3);
    batcher.push(event(4));
    recover();
    await batcher.flush();
    assert.deepEqual(sent, [1, 2, 3, 4].map(event));
    assert.equal(batcher.queued(), 0);
  }
});

test("a batch the server refused is dropped, not retried forever", async () => {
  const { batcher, sent, recover } = batcherFailing(new ApiError(409, { type: "/problems/attempt-submitted" }));
  [1, 2].forEach((n) => batcher.push(event(n)));
  await batcher.flush();
  recover();
  await batcher.flush();
  assert.deepEqual(sent, []);
  assert.equal(batcher.queued(), 0);
});

test("requeued events stay within the bound", async () => {
  const { batcher } = batcherFailing(new NetworkError("offline"));
  for (let n = 0; n < MAX_QUEUED + 50; n += 1) batcher.push(event(n % 60));
  assert.ok(batcher.queued() <= MAX_QUEUED);
  await batcher.flush();
  assert.ok(batcher.queued() <= MAX_QUEUED);
});
