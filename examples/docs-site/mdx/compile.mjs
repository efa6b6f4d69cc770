// Compiles Markdown pages as MDX 3 with GitHub-flavored Markdown, the way
// Docusaurus 3 reads every .md file, runs each and writes its HTML.
//
//   node compile.mjs OUTDIR PAGE.md...
//
// For each PAGE.md it writes OUTDIR/PAGE.html (React's static markup of the
// compiled page), or prints "PAGE.md: LINE:COLUMN: message" and, once every
// page is tried, exits with status 1.
import { readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import * as runtime from "react/jsx-runtime";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { evaluate } from "@mdx-js/mdx";
import remarkGfm from "remark-gfm";

const [outDir, ...pages] = process.argv.slice(2);
if (!outDir || pages.length === 0) {
  console.error("usage: node compile.mjs OUTDIR PAGE.md...");
  process.exit(2);
}
let failed = false;
for (const page of pages) {
  try {
    const src = await readFile(page, "utf8");
    const { default: Content } = await evaluate(src, { ...runtime, format: "mdx", remarkPlugins: [remarkGfm] });
    const html = renderToStaticMarkup(createElement(Content));
    await writeFile(join(outDir, basename(page).replace(/\.mdx?$/, "") + ".html"), html);
  } catch (err) {
    failed = true;
    const where = err.place ? `${err.place.line ?? err.place.start?.line}:${err.place.column ?? err.place.start?.column}: ` : "";
    console.error(`${page}: ${where}${err.reason ?? err.message}`);
  }
}
process.exit(failed ? 1 : 0);
