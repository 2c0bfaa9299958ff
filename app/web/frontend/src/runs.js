// "Run public checks": start a run (graded by the queue, never in the request), poll it, and show
// its report per case and per output or gradient. One run at a time per question.

import { ApiError, NetworkError, isTransient } from "./api.js";
import { retryDelay, sleep } from "./retry.js";

const VERDICTS = {
  passed: "All public checks passed",
  failed: "Some public checks failed",
  error: "Your code raised an error",
  timeout: "Your code ran too long (time limit)",
  memory_limit: "Your code used too much memory",
  output_limit: "Your code printed too much output",
  rejected: "Your code was refused",
  grading_failed: "The checks could not run",
};
const FINISHED = new Set(["graded", "grading_failed"]);
// A run goes on on the server while its poll fails (a database restart): keep asking a while.
const POLL_FAILURES = 6;

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

const shape = (value) => (Array.isArray(value) ? `(${value.join(", ")}${value.length === 1 ? "," : ""})` : "–");

export function formatError(value) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "string") return value; // "inf" or "nan", as the judge reported it
  return value === 0 ? "0" : value.toExponential(2);
}

// The judge sends the absolute error as the power of ten above it (the exact figure could give
// away a reference value), so it reads as a bound.
export function formatBound(value) {
  if (typeof value !== "number" || value === 0) return formatError(value);
  return `\u2264 1e${Math.round(Math.log10(value))}`;
}

function checkRows(check) {
  const passed = check.status === "passed";
  const rows = [
    el(
      "tr",
      {},
      el("th", { scope: "row", text: check.name }),
      el("td", { class: `status-${passed ? "passed" : "failed"}`, text: passed ? "Passed" : check.status === "error" ? "Error" : "Failed" }),
      el("td", { class: "num", text: `${shape(check.shape)} / ${shape(check.expected_shape)}` }),
      el("td", { class: "num", text: formatBound(check.max_abs_error_bound) }),
      el("td", { class: "num", text: formatError(check.max_error) }),
    ),
  ];
  if (check.message) {
    rows.push(el("tr", { class: "message-row" }, el("td", { colspan: "5" }, el("pre", { class: "output", text: check.message }))));
  }
  return rows;
}

// One collapsible block per example case; a case with a problem opens by itself.
function renderChecks(checks) {
  const cases = new Map();
  for (const check of checks) {
    if (!cases.has(check.case)) cases.set(check.case, []);
    cases.get(check.case).push(check);
  }
  const blocks = [];
  let index = 0;
  for (const rows of cases.values()) {
    index += 1;
    const passed = rows.filter((r) => r.status === "passed").length;
    const label = `Example case ${index}`;
    const table = el(
      "table",
      { class: "checks" },
      el("caption", { class: "visually-hidden", text: `Checks of ${label.toLowerCase()}` }),
      el(
        "thead",
        {},
        el("tr", {}, ...["Output or gradient", "Result", "Shape: yours / expected", "Max abs. error", "Max rel. error"].map((h) => el("th", { scope: "col", text: h }))),
      ),
      el("tbody", {}, ...rows.flatMap(checkRows)),
    );
    const details = el(
      "details",
      { class: `case ${passed === rows.length ? "case-passed" : "case-failed"}` },
      el("summary", { text: `${label}: ${passed} of ${rows.length} passed` }),
      // Focusable, so a keyboard can scroll a wide table on a narrow screen.
      el("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": `Checks of ${label.toLowerCase()}` }, table),
    );
    if (passed !== rows.length) details.open = true;
    blocks.push(details);
  }
  return blocks;
}

// `languageName` turns the run's language id into the name shown ("r" -> "R"); the practice
// task's panel, Python only, passes none and names no language.
export function renderReport(run, languageName = null) {
  const verdict = run.status === "grading_failed" ? "grading_failed" : run.verdict || "error";
  const report = run.report || {};
  const checks = report.checks || [];
  const passed = checks.filter((c) => c.status === "passed").length;
  const parts = [
    el(
      "p",
      { class: "results-summary" },
      el("span", { class: `verdict ${verdict}`, text: verdict === "passed" ? "Passed" : "Not passed" }),
      `${VERDICTS[verdict] || verdict}${checks.length ? ` — ${passed} of ${checks.length} checks` : ""}`,
    ),
  ];
  if (languageName && run.language) {
    parts.push(el("p", { class: "results-language", text: `Ran as ${languageName(run.language)} code.` }));
  }
  if (run.status === "grading_failed") {
    parts.push(el("p", { text: "This was a problem on our side, not in your code, and it does not count against you. Please run the checks again." }));
  }
  if (report.message && verdict !== "passed") parts.push(el("p", { class: "judge-message", text: report.message }));
  parts.push(...renderChecks(checks));
  if (report.stdout) {
    parts.push(
      el("details", { class: "stdout" }, el("summary", { text: "What your code printed" }), el("pre", { class: "output", text: report.stdout })),
    );
  }
  return parts;
}

export class RunPanel {
  constructor({ api, runPath, button, body, getSource, getLanguage = null, languageName = null, onFinished = () => {} }) {
    Object.assign(this, { api, runPath, button, body, getSource, getLanguage, languageName, onFinished });
    this.running = false;
    button.addEventListener("click", () => this.start());
  }

  show(...nodes) {
    this.body.replaceChildren(...nodes);
  }

  async start() {
    if (this.running) return; // a run in progress can't be started twice
    this.running = true;
    this.button.setAttribute("aria-disabled", "true");
    this.button.textContent = "Running…";
    const started = Date.now();
    const elapsed = el("span", { "aria-hidden": "true", text: "" });
    this.show(el("p", { class: "progress" }, el("span", { class: "spinner", "aria-hidden": "true" }), "Running the public checks… ", elapsed));
    const tick = setInterval(() => {
      elapsed.textContent = `${Math.round((Date.now() - started) / 1000)} s`;
    }, 1000);
    try {
      const request = { source: this.getSource() };
      if (this.getLanguage) request.language = this.getLanguage();
      let run = await this.api.post(this.runPath, request);
      let wait = 400;
      while (!FINISHED.has(run.status)) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        wait = Math.min(wait * 1.4, 2000);
        run = await this.poll(run.run_id);
      }
      this.show(...renderReport(run, this.languageName));
      this.onFinished(run);
    } catch (error) {
      this.show(el("p", { class: "field-error", text: explainRunError(error) }));
    } finally {
      clearInterval(tick);
      this.running = false;
      this.button.removeAttribute("aria-disabled");
      this.button.textContent = "Run public checks";
    }
  }

  async poll(runId) {
    for (let failures = 1; ; failures += 1) {
      try {
        return await this.api.get(`/runs/${runId}`);
      } catch (error) {
        if (!isTransient(error) || failures >= POLL_FAILURES) throw error;
        await sleep(retryDelay(error, failures));
      }
    }
  }
}

export function explainRunError(error) {
  if (error instanceof NetworkError) {
    return "Could not reach the server, so the checks did not run. Your code is kept; try again when the connection returns.";
  }
  if (error instanceof ApiError) {
    if (error.status === 429) return `Not run: too many runs in a short time. ${error.detail}`;
    if (error.status >= 500) return "Not run: the server is unavailable right now. Your code is kept; try again in a few seconds.";
    if (error.code === "run-in-progress") return "A run of this question is still in progress; wait for its results.";
    return error.detail;
  }
  throw error;
}
