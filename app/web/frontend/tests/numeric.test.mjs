// What the numeric field accepts, and what it says about what it can't read.
import assert from "node:assert/strict";
import { test } from "node:test";

import { parseNumber } from "../src/numeric.js";

test("reads the ways people write numbers", () => {
  for (const [text, value] of [
    ["1e-3", 0.001],
    ["-0.25", -0.25],
    [" 3 ", 3],
    ["+2.5E4", 25000],
    [".5", 0.5],
    ["7.", 7],
    ["\u22120.5", -0.5], // a typographic minus sign
  ]) {
    assert.deepEqual(parseNumber(text), { value }, text);
  }
});

test("an empty field is no answer, not an error", () => {
  assert.deepEqual(parseNumber("   "), { empty: true });
});

test("says what it could not read", () => {
  for (const text of ["two", "1e", "--1", "1.2.3", "0x10", "NaN", "Infinity", "1/2"]) {
    assert.match(parseNumber(text).error, /^Could not read “.+” as a number/, text);
  }
  assert.match(parseNumber("0,25").error, /use a decimal point, not a comma/);
  assert.match(parseNumber("1e999").error, /too large/);
});
