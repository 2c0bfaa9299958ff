// Bundle the candidate page's ES modules and styles into app/web/static/dist/ and print each
// bundle's raw and gzipped size (the test page's JavaScript must stay under 250 KB gzipped).
import { build } from "esbuild";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, "..", "static", "dist");
const budgetKiB = 250;

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  metafile: true,
  entryPoints: {
    take: join(here, "src", "take.js"),
    take_css: join(here, "src", "take.css"),
    workspace: join(here, "src", "workspace.js"),
  },
  outdir,
  bundle: true,
  minify: true,
  format: "esm",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  target: ["es2020"],
  legalComments: "linked",
  // KaTeX's fonts are copied next to the CSS so no request leaves the origin.
  loader: { ".woff2": "file", ".woff": "file", ".ttf": "file" },
  assetNames: "fonts/[name]-[hash]",
  logLevel: "warning",
});

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

const kib = (n) => (n / 1024).toFixed(1).padStart(7) + " KiB";
const gzipped = new Map();
console.log("bundle".padEnd(28) + "raw".padStart(11) + "gzipped".padStart(11));
for (const path of files(outdir)) {
  if (!/\.(js|css)$/.test(path)) continue;
  const raw = readFileSync(path);
  gzipped.set(relative(outdir, path), gzipSync(raw, { level: 9 }).length);
  console.log(relative(outdir, path).padEnd(28) + kib(raw.length) + kib(gzipped.get(relative(outdir, path))));
}

// What the test page loads: the entry, the test page's chunk and everything they import.
const outputs = result.metafile.outputs;
const key = (name) => Object.keys(outputs).find((k) => relative(outdir, k) === name || outputs[k].entryPoint === name);
const seen = new Set();
const visit = (k) => {
  if (!k || seen.has(k)) return;
  seen.add(k);
  for (const imported of outputs[k].imports) if (imported.kind === "import-statement") visit(imported.path);
};
visit(key("take.js"));
visit(Object.keys(outputs).find((k) => (outputs[k].entryPoint || "").endsWith("src/test_page.js")));
const testPage = [...seen].reduce((sum, k) => sum + gzipped.get(relative(outdir, k)), 0);
console.log(`test page JavaScript, editor included: ${kib(testPage).trim()} gzipped (budget ${budgetKiB} KiB)`);
if (testPage > budgetKiB * 1024) {
  console.error("build: the test page's JavaScript is over its budget");
  process.exit(1);
}
