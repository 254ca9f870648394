import { extractDocument, extractionPool } from "./src/documents/extract/extract-document.ts";
import { defaultExtractionLimits } from "./src/documents/document-types.ts";
import * as f from "./test/helpers/document-fixtures.ts";
const pages = Array.from({ length: 300 }, (_, i) => Array.from({ length: 40 }, (_, l) => `Line ${l} of page ${i + 1} with some words in it.`));
const pdf = f.pdfFixture(pages);
console.log("pdf bytes", pdf.length);
let t = Date.now();
const d = await extractDocument({ filename: "big.pdf", content: pdf });
console.log("300 pages ms", Date.now() - t, d.blocks.length);
t = Date.now();
await extractDocument({ filename: "big.pdf", content: pdf });
console.log("warm 300 pages ms", Date.now() - t);
for (const mb of [24, 32, 48, 64]) {
  try { t = Date.now(); await extractDocument({ filename: "a.pdf", content: f.pdfFixture([["small"]]) }, { ...defaultExtractionLimits, maxMemoryMb: mb }); console.log(mb, "small ok", Date.now() - t); } catch (e: any) { console.log(mb, "small", e.code); }
}
const html = Buffer.from("<html><body>" + "<div><p>a</p></div>".repeat(600_000) + "</body></html>");
console.log("html bytes", html.length);
for (const mb of [48, 64]) {
  try { t = Date.now(); await extractDocument({ filename: "a.html", content: html }, { ...defaultExtractionLimits, maxMemoryMb: mb }); console.log(mb, "big html ok", Date.now() - t); } catch (e: any) { console.log(mb, "big html", e.code, Date.now() - t); }
}
t = Date.now();
try { await extractDocument({ filename: "a.html", content: html }); console.log("big html default ok", Date.now() - t); } catch (e: any) { console.log("default big html", e.code, Date.now() - t); }
console.log(extractionPool().stats());
process.exit(0);
