// Copies the single source of truth, ../../grammar/journey.tmLanguage.json, into
// the extension (syntaxes/ is gitignored) and checks that it is valid JSON.
const fs = require("fs");
const path = require("path");

const src = path.resolve(__dirname, "../../../grammar/journey.tmLanguage.json");
const dest = path.resolve(__dirname, "../syntaxes/journey.tmLanguage.json");

const text = fs.readFileSync(src, "utf8");
const grammar = JSON.parse(text);
if (grammar.scopeName !== "source.journey") {
  throw new Error(`${src}: scopeName is ${grammar.scopeName}, expected source.journey`);
}
fs.mkdirSync(path.dirname(dest), { recursive: true });
fs.writeFileSync(dest, text);
console.log(`copied ${path.relative(process.cwd(), src)} -> ${path.relative(process.cwd(), dest)}`);
