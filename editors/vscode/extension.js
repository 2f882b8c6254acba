// The VS Code client of `kefu lsp`: starts the server over stdio for .kefu files.
// Colours come from syntaxes/kefu.tmLanguage.json (written by `python -m kefu.dsl.textmate --write`).
"use strict";

const path = require("path");
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function serverCommand() {
  const config = vscode.workspace.getConfiguration("kefu");
  const [command, ...args] = config.get("command", ["kefu", "lsp"]);
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  const cwd = folder ? folder.uri.fsPath : undefined;
  const resolved = cwd && command.includes(path.sep) && !path.isAbsolute(command) ? path.join(cwd, command) : command;
  return { command: resolved, args, options: { cwd }, transport: TransportKind.stdio };
}

async function activate(context) {
  const server = serverCommand();
  client = new LanguageClient(
    "kefu",
    "kefu lsp",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "kefu" }],
      initializationOptions: { lint: vscode.workspace.getConfiguration("kefu").get("lint", "save") },
    }
  );
  context.subscriptions.push(client);
  await client.start();
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
