// The languages of a coding question and the code each one starts from. Pure functions, so
// that "switching language never loses work" is unit-tested without a browser.

// A question payload from before languages offers Python alone, with the top-level starter.
export function questionLanguages(question) {
  if (question.languages && question.languages.length) return question.languages;
  return [{ id: "python", name: "Python", starter: question.starter || "" }];
}

// The language shown first: the one of the answer on display (a local unsent edit or the
// server's), else the first offered.
export function startingLanguage(languages, shown) {
  const wanted = shown ? shown.language || "python" : null;
  return languages.some((l) => l.id === wanted) ? wanted : languages[0].id;
}

// The code a language starts from: the answer on display if it is in that language, else the
// latest saved draft in it, else its starter.
export function draftFor(languages, { shown, drafts }, language) {
  if (shown && (shown.language || "python") === language) return shown.source;
  if (drafts && typeof drafts[language] === "string") return drafts[language];
  const entry = languages.find((l) => l.id === language);
  return entry ? entry.starter : "";
}

export function languageName(languages, language) {
  const entry = languages.find((l) => l.id === language);
  return entry ? entry.name : language;
}
