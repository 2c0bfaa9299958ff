// Read a numeric answer the way people write it: -0.25, 3, 1e-3, +2.5E4, or with a Unicode minus.

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

export function parseNumber(text) {
  const trimmed = text.trim();
  if (trimmed === "") return { empty: true };
  const normalized = trimmed.replace(/\u2212/g, "-").replace(/\s+/g, "");
  if (/^[+-]?\d+,\d+$/.test(normalized)) {
    return { error: `Could not read “${trimmed}”: use a decimal point, not a comma (for example 0.25).` };
  }
  if (!NUMBER.test(normalized)) {
    return {
      error: `Could not read “${trimmed}” as a number. Write digits with an optional sign, decimal point and exponent, for example -0.25 or 1e-3.`,
    };
  }
  const value = Number(normalized);
  if (!Number.isFinite(value)) return { error: `“${trimmed}” is too large to be an answer.` };
  return { value };
}
