// Entry point of the candidate's pages: each page says which one it is on <body data-page>, and
// only that page's modules are loaded (the end page needs no editor).

const pages = {
  landing: () => import("./landing.js").then((m) => m.startLanding),
  test: () => import("./test_page.js").then((m) => m.startTestPage),
  end: () => import("./end_page.js").then((m) => m.startEndPage),
};
const load = pages[document.body.dataset.page];
if (load) load().then((start) => start(document.body));
