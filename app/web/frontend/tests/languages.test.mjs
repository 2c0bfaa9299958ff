// Which language and which code a coding question shows: each language keeps its own draft.
import assert from "node:assert/strict";
import { test } from "node:test";

import { draftFor, languageName, questionLanguages, startingLanguage } from "../src/languages.js";

const languages = [
  { id: "python", name: "Python", starter: "def f(x):\n    pass\n" },
  { id: "r", name: "R", starter: "f <- function(x) {\n}\n" },
];

test("a question from before languages offers Python with its starter", () => {
  assert.deepEqual(questionLanguages({ starter: "def g():\n    pass\n" }), [
    { id: "python", name: "Python", starter: "def g():\n    pass\n" },
  ]);
  assert.equal(questionLanguages({ languages, starter: "x" }), languages);
});

test("the page starts in the language of the answer on display", () => {
  assert.equal(startingLanguage(languages, { source: "f <- 1", language: "r" }), "r");
  assert.equal(startingLanguage(languages, { source: "x = 1" }), "python", "an answer from before languages is Python");
  assert.equal(startingLanguage(languages, null), "python", "nothing saved: the first offered");
  assert.equal(startingLanguage(languages, { source: "x", language: "cobol" }), "python");
});

test("each language resumes from its own latest code, else its starter", () => {
  const shown = { source: "f <- function(x) x", language: "r" };
  const drafts = { python: "def f(x):\n    return x\n", r: "older R" };
  assert.equal(draftFor(languages, { shown, drafts }, "r"), "f <- function(x) x", "the answer on display wins");
  assert.equal(draftFor(languages, { shown, drafts }, "python"), "def f(x):\n    return x\n");
  assert.equal(draftFor(languages, { shown, drafts: { python: "" } }, "python"), "", "an emptied draft stays empty");
  assert.equal(draftFor(languages, { shown, drafts: undefined }, "python"), languages[0].starter);
  assert.equal(draftFor(languages, { shown: null, drafts: {} }, "r"), languages[1].starter);
});

test("language names come from the question", () => {
  assert.equal(languageName(languages, "r"), "R");
  assert.equal(languageName(languages, "julia"), "julia");
});
