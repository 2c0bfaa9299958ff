// Concept questions' inputs: show a saved response in them, and read the candidate's response
// back (a numeric field says what it could not read).

import { parseNumber } from "./numeric.js";

export function applyResponse(section, kind, response) {
  if (!response) return;
  if (kind === "numeric") {
    section.querySelector("[data-numeric]").value = String(response.value);
    return;
  }
  const chosen =
    kind === "multi_choice" ? response.choices : kind === "true_false" ? [String(response.value)] : [response.choice];
  for (const input of section.querySelectorAll("input")) input.checked = chosen.includes(input.value);
}

// The response the inputs hold now, or null when there is none to save (nothing chosen, an
// empty or unreadable number). `quiet` waits for the candidate to finish typing before
// complaining, unless a complaint is already shown.
export function readResponse(section, kind, { quiet = false } = {}) {
  const inputs = [...section.querySelectorAll("input")];
  if (kind === "numeric") {
    const field = inputs[0];
    const error = section.querySelector("[data-error]");
    const parsed = parseNumber(field.value);
    if (parsed.error) {
      field.setAttribute("aria-invalid", "true");
      if (!quiet || error.textContent) error.textContent = parsed.error;
      return null;
    }
    field.removeAttribute("aria-invalid");
    error.textContent = "";
    return parsed.empty ? null : { value: parsed.value };
  }
  if (kind === "multi_choice") return { choices: inputs.filter((i) => i.checked).map((i) => i.value) };
  const checked = inputs.find((i) => i.checked);
  if (!checked) return null;
  return kind === "true_false" ? { value: checked.value === "true" } : { choice: checked.value };
}
