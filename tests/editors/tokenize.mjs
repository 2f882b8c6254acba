// Tokenise files with a TextMate grammar through vscode-textmate and vscode-oniguruma (the engine
// VS Code colours code with) and print one JSON object:
//   {"<file>": [[{"start", "end", "text", "scopes"}, ...] per line, ...], ...}
// start/end count code points from 0 (as kefu's columns do, from 1), not UTF-16 units.
//
//   node tokenize.mjs NODE_MODULES GRAMMAR FILE...
//
// NODE_MODULES is the folder the two packages are installed in (npm install --prefix DIR puts
// them in DIR/node_modules).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const [modules, grammarPath, ...files] = process.argv.slice(2);
const require = createRequire(join(modules, "package.json"));
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));

const grammarText = readFileSync(grammarPath, "utf8");
const registry = new vsctm.Registry({
  onigLib: Promise.resolve({
    createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
    createOnigString: (text) => new oniguruma.OnigString(text),
  }),
  loadGrammar: async () => vsctm.parseRawGrammar(grammarText, grammarPath),
});
const grammar = await registry.loadGrammar(JSON.parse(grammarText).scopeName);

// a UTF-16 index of `line` to its code point index
function codePoints(line) {
  const at = new Array(line.length + 1);
  let point = 0;
  for (let unit = 0; unit <= line.length; unit++) {
    at[unit] = point;
    const code = line.charCodeAt(unit);
    if (!(code >= 0xd800 && code <= 0xdbff)) point++;
  }
  return at;
}

const result = {};
for (const file of files) {
  let text = readFileSync(file, "utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/);
  let state = vsctm.INITIAL;
  result[file] = lines.map((line) => {
    const found = grammar.tokenizeLine(line, state);
    state = found.ruleStack;
    const at = codePoints(line);
    return found.tokens
      .filter((token) => token.endIndex > token.startIndex && token.startIndex < line.length)
      .map((token) => {
        const end = Math.min(token.endIndex, line.length);
        return {
          start: at[token.startIndex],
          end: at[end],
          text: line.slice(token.startIndex, end),
          scopes: token.scopes,
        };
      });
  });
}
process.stdout.write(JSON.stringify(result));
