// The Journey extension: registers the `journey` language (see package.json)
// and runs the language server `journey lsp` over stdio.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";
import {
  Executable,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("Journey");
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("journey.restartServer", () => restart()),
    vscode.commands.registerCommand("journey.showOutput", () => output?.show()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("journey.server")) {
        void restart();
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

async function restart(): Promise<void> {
  await stop();
  await start();
}

async function stop(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) {
    try {
      await c.stop();
    } catch (err) {
      output?.appendLine(`Journey: error while stopping the server: ${String(err)}`);
    }
  }
}

async function start(): Promise<void> {
  const config = vscode.workspace.getConfiguration("journey");
  const configured = config.get<string>("server.path", "journey").trim() || "journey";
  const extraArgs = config.get<string[]>("server.extraArgs", []);
  const command = resolveBinary(expandPath(configured));
  if (!command) {
    await reportMissingBinary(configured);
    return;
  }

  const executable: Executable = { command, args: ["lsp", ...extraArgs] };
  const serverOptions: ServerOptions = { run: executable, debug: executable };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "journey" },
      { scheme: "untitled", language: "journey" },
    ],
    // A project is every *.journey file of a folder: the server must hear about
    // files created, changed or deleted on disk, not only the open ones.
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher("**/*.journey"),
    },
    outputChannel: output,
  };

  client = new LanguageClient("journey", "Journey Language Server", serverOptions, clientOptions);
  output?.appendLine(`Journey: starting ${command} ${executable.args?.join(" ")}`);
  try {
    await client.start();
  } catch (err) {
    client = undefined;
    const message = `Journey: the language server (${command} lsp) failed to start: ${String(err)}`;
    output?.appendLine(message);
    void vscode.window.showErrorMessage(message, "Show Output").then((choice) => {
      if (choice) output?.show();
    });
  }
}

/** Expands `~` and `${workspaceFolder}` in the configured path. */
function expandPath(p: string): string {
  let result = p;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (folder) {
    result = result.replace(/\$\{workspaceFolder\}/g, folder);
  }
  if (result === "~" || result.startsWith("~/") || result.startsWith("~\\")) {
    result = path.join(os.homedir(), result.slice(1));
  }
  return result;
}

/**
 * Returns the absolute path of the server binary, or undefined when it cannot be
 * found. A bare name is looked up on PATH (with PATHEXT on Windows); a path with a
 * separator is taken relative to the first workspace folder.
 */
function resolveBinary(p: string): string | undefined {
  const isFile = (f: string): boolean => {
    try {
      return fs.statSync(f).isFile();
    } catch {
      return false;
    }
  };
  const exts =
    process.platform === "win32"
      ? ["", ...(process.env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";").filter(Boolean)]
      : [""];

  if (p.includes("/") || p.includes("\\")) {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const abs = path.isAbsolute(p) || !folder ? path.resolve(p) : path.resolve(folder, p);
    return exts.map((e) => abs + e).find(isFile);
  }
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const found = exts.map((e) => path.join(dir, p + e)).find(isFile);
    if (found) return found;
  }
  return undefined;
}

async function reportMissingBinary(configured: string): Promise<void> {
  const message =
    `Journey: the language server binary "${configured}" was not found. ` +
    `Put the journey CLI on your PATH, or set "journey.server.path" to the binary. ` +
    `Syntax highlighting still works without it.`;
  output?.appendLine(message);
  const choice = await vscode.window.showErrorMessage(message, "Open Settings");
  if (choice === "Open Settings") {
    await vscode.commands.executeCommand("workbench.action.openSettings", "journey.server");
  }
}
