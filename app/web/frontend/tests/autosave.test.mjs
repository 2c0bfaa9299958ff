// Autosave through an outage: a server answering 503 with Retry-After, or not answering at all.
// The server here is a fake of PUT /answers/{id} (revisions, base_revision conflicts) on a clock
// the test moves by hand; the page's localStorage is a Map.
import assert from "node:assert/strict";
import { afterEach, beforeEach, mock, test } from "node:test";

import { ApiError, NetworkError } from "../src/api.js";
import { Autosaver } from "../src/autosave.js";
import { PendingStore } from "../src/pending.js";

const ATTEMPT = "attempt-1";
const KEY = `chainrule:${ATTEMPT}:pending`;

let clock;

beforeEach(() => {
  clock = 0;
  globalThis.window = new EventTarget();
  globalThis.navigator = { onLine: true };
  const items = new Map();
  globalThis.localStorage = {
    getItem: (key) => (items.has(key) ? items.get(key) : null),
    setItem: (key, value) => items.set(key, String(value)),
    removeItem: (key) => items.delete(key),
  };
  mock.timers.enable({ apis: ["setTimeout"] });
});

afterEach(() => {
  mock.timers.reset();
});

const settle = async () => {
  for (let i = 0; i < 10; i += 1) await new Promise(setImmediate);
};

// Move the clock in 100 ms steps, letting the page's promises run between steps.
async function advance(ms) {
  for (let moved = 0; moved < ms; moved += 100) {
    mock.timers.tick(100);
    clock += 100;
    await settle();
  }
}

class FakeServer {
  constructor() {
    this.saved = {}; // id -> {response, revision}
    this.puts = []; // every PUT that reached it: {at, id, response}
    this.outage = null; // null, "network", or {retryAfter} for a 503
  }

  async put(path, body) {
    const id = decodeURIComponent(path.split("/").pop());
    if (this.outage === "network") throw new NetworkError("Failed to fetch");
    this.puts.push({ at: clock, id, response: body.response });
    if (this.outage) {
      const problem = { type: "/problems/database-unavailable", detail: "The service cannot reach its database right now; try again shortly." };
      throw new ApiError(503, problem, this.outage.retryAfter);
    }
    const current = this.saved[id] ? this.saved[id].revision : 0;
    if (body.base_revision !== current) throw new ApiError(409, { type: "/problems/revision-conflict" }, null);
    this.saved[id] = { response: body.response, revision: current + 1 };
    return { question_id: id, revision: current + 1 };
  }

  async get() {
    if (this.outage) throw new ApiError(503, { type: "/problems/database-unavailable" }, 5);
    return { answers: this.saved };
  }
}

function page(server) {
  const states = [];
  const saver = new Autosaver({
    api: server,
    store: new PendingStore(ATTEMPT),
    onStatus: (state) => states.push(state),
    onSaved: () => {},
    onConflict: (id) => assert.fail(`no conflict expected (${id})`),
    onRejected: (id, error) => assert.fail(`no refusal expected (${id}: ${error.detail})`),
    onClosed: () => assert.fail("the attempt is open"),
  });
  return { saver, states, last: () => states.at(-1) };
}

const kept = () => JSON.parse(localStorage.getItem(KEY) || "{}");

test("a 503 keeps the answer, says so, waits its Retry-After, then saves the latest content", async () => {
  const server = new FakeServer();
  const { saver, last } = page(server);
  saver.load({});
  server.outage = { retryAfter: 5 };

  saver.change("q1", { source: "a" });
  assert.equal(kept().q1.response.source, "a"); // on the device at once, before any request
  await advance(1000); // the autosave delay
  assert.equal(server.puts.length, 1);
  assert.equal(last(), "retrying");
  assert.equal(kept().q1.response.source, "a");

  // The candidate goes on typing and changes question: nothing is sent before the Retry-After.
  await advance(500);
  saver.change("q1", { source: "ab" });
  await advance(1500);
  await saver.flush("q1");
  assert.equal(last(), "retrying");
  assert.equal(kept().q1.response.source, "ab");
  await advance(2900); // 5.9 s after the 503
  assert.equal(server.puts.length, 1, "nothing sent before the Retry-After");

  server.outage = null;
  await advance(1200); // the wait is 5 s to 6 s (spread)
  assert.equal(server.puts.length, 2);
  const retry = server.puts[1];
  assert.ok(retry.at >= 6000 && retry.at <= 7000, `retried at ${retry.at} ms`);
  assert.deepEqual(retry.response, { source: "ab" }, "the latest content");
  assert.deepEqual(server.saved.q1, { response: { source: "ab" }, revision: 1 });
  assert.equal(last(), "saved");
  assert.equal(localStorage.getItem(KEY), null, "dropped from the device once confirmed");
  assert.equal(saver.hasUnsaved(), false);
});

test("503s in a row back off, bounded, and each try sends what is on the device then", async () => {
  const server = new FakeServer();
  const { saver, last } = page(server);
  saver.load({});
  server.outage = { retryAfter: 5 };
  saver.change("q1", { source: "v0" });
  await advance(1000);
  for (let n = 1; n <= 6; n += 1) {
    const tries = server.puts.length;
    saver.change("q1", { source: `v${n}` });
    while (server.puts.length === tries) await advance(100);
    assert.equal(server.puts.at(-1).response.source, `v${n}`);
    assert.equal(last(), "retrying");
  }
  const gaps = server.puts.slice(1).map((put, i) => put.at - server.puts[i].at);
  // Retry-After 5 s is the floor; then 8 s; then the 10 s bound (each up to a fifth later).
  const floors = [5000, 5000, 8000, 10_000, 10_000, 10_000];
  gaps.forEach((gap, i) => assert.ok(gap >= floors[i] && gap <= floors[i] * 1.2 + 100, `gap ${i}: ${gap} ms`));
  server.outage = null;
  await advance(12_100);
  assert.equal(server.saved.q1.response.source, "v6");
  assert.equal(last(), "saved");
});

test("no answer at all reads as offline, retries from 2 s doubling, and recovers", async () => {
  const server = new FakeServer();
  const { saver, last } = page(server);
  saver.load({});
  server.outage = "network";
  saver.change("q1", { value: 1.5 });
  await advance(1000);
  assert.equal(last(), "offline");
  await advance(1900);
  server.outage = null;
  await advance(600); // the first retry comes 2 s to 2.4 s after the failure
  assert.deepEqual(server.saved.q1, { response: { value: 1.5 }, revision: 1 });
  assert.equal(last(), "saved");
});

test("answers to several questions failing together wait once, then all go out", async () => {
  const server = new FakeServer();
  const { saver, last } = page(server);
  saver.load({});
  server.outage = { retryAfter: 5 };
  saver.change("q1", { choice: "a" });
  saver.change("q2", { source: "x = 1" });
  saver.change("q3", { value: 2 });
  await saver.flushAll(); // the candidate opens the submit dialog
  assert.equal(server.puts.length, 3);
  assert.equal(saver.failures, 1, "one step of backoff for the three");
  assert.equal(last(), "retrying");
  server.outage = null;
  await advance(6100);
  assert.deepEqual(Object.keys(server.saved).sort(), ["q1", "q2", "q3"]);
  assert.equal(server.puts.length, 6);
  assert.equal(last(), "saved");
  assert.equal(saver.failures, 0);
});

test("a reload during the outage keeps the unsaved answer and sends it once the server is back", async () => {
  const server = new FakeServer();
  const before = page(server);
  before.saver.load({});
  before.saver.change("q1", { source: "first" });
  await advance(1000);
  assert.equal(server.saved.q1.revision, 1);
  server.outage = { retryAfter: 5 };
  before.saver.change("q1", { source: "typed during the outage" });
  await advance(1000);
  assert.equal(before.last(), "retrying");

  // The reload: a new page reads the device's records; the server's copy is revision 1.
  const after = page(server);
  const shown = after.saver.load({ q1: { response: { source: "first" }, revision: 1 } });
  assert.deepEqual(shown.q1, { source: "typed during the outage" }, "the page shows the unsaved edit");
  await advance(100);
  assert.equal(after.last(), "retrying");
  server.outage = null;
  await advance(6100);
  assert.deepEqual(server.saved.q1, { response: { source: "typed during the outage" }, revision: 2 });
  assert.equal(after.last(), "saved");
  assert.equal(localStorage.getItem(KEY), null);
});

test("the connection coming back sends at once, whatever wait was set", async () => {
  const server = new FakeServer();
  const { saver, last } = page(server);
  saver.load({});
  server.outage = "network";
  saver.change("q1", { choice: "b" });
  await advance(1000);
  assert.equal(last(), "offline");
  server.outage = null;
  window.dispatchEvent(new Event("online"));
  await settle();
  assert.deepEqual(server.saved.q1, { response: { choice: "b" }, revision: 1 });
  assert.equal(last(), "saved");
});
