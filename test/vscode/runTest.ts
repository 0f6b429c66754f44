// Runs the integration suite (test/vscode/suite) in a real VS Code extension host.
// VS Code: KMOD_VSCODE_EXECUTABLE when a desktop VS Code is installed, otherwise the offline launcher
// (code-server's VS Code + Debian chromium, installed by scripts/setup-code-offline.sh).
// The fixture workspace is copied to a temp dir so builds and edits never touch the repo.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTests } from '@vscode/test-electron';
import { testKernel } from '../support/kernels';

const repoRoot = path.resolve(__dirname, '../../..'); // out/test/vscode -> repo root
const extensionPath = path.resolve(process.env.KMOD_EXTENSION_PATH || repoRoot);
const offlineLauncher = path.join(repoRoot, 'test/vscode/launcher/code-offline');
const fixtureWorkspace = path.join(repoRoot, 'test/vscode/fixtures/workspace');
const artifactsDir = path.join(repoRoot, 'test-artifacts/vscode');
const TIER_TIMEOUT_S = 420; // launcher's wall-clock budget: the tier boots two VMs (Test in VM, Debug in VM) besides the editor tests

function checkExtensionBuilt(): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(extensionPath, 'package.json'), 'utf8')) as { main?: string };
  const main = path.resolve(extensionPath, manifest.main ?? '');
  if (!manifest.main || !fs.existsSync(main)) {
    throw new Error(`extension entry point ${main} is missing: run "npm run build" first`);
  }
}

async function main(): Promise<number> {
  checkExtensionBuilt();
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kmod-vscode-'));
  const workspace = path.join(runDir, 'workspace');
  fs.cpSync(fixtureWorkspace, workspace, { recursive: true });
  fs.cpSync(path.join(repoRoot, 'examples', 'hello-3'), path.join(workspace, 'hello-3'), { recursive: true }); // the seed itself
  // The tests assume Debian's 6.1 headers (6.1's modpost wording), whatever else is installed.
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(
    path.join(workspace, '.vscode', 'settings.json'),
    JSON.stringify({ 'kmod.kernelBuildDir': testKernel('6.1').kdir }, null, 2),
  );
  fs.rmSync(artifactsDir, { recursive: true, force: true }); // no stale screenshots from an earlier run
  fs.mkdirSync(artifactsDir, { recursive: true });
  const vscodeExecutablePath = process.env.KMOD_VSCODE_EXECUTABLE || offlineLauncher;
  console.log(`VS Code: ${vscodeExecutablePath}\nextension: ${extensionPath}\nworkspace: ${workspace}`);
  try {
    await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: extensionPath,
      extensionTestsPath: path.join(__dirname, 'suite', 'index'),
      launchArgs: [
        workspace,
        '--disable-extensions',
        `--extensions-dir=${path.join(runDir, 'extensions')}`,
        `--user-data-dir=${path.join(runDir, 'user-data')}`,
      ],
      // Reaches the launcher and, through the server, the extension host.
      extensionTestsEnv: {
        CODE_OFFLINE_ARTIFACTS: artifactsDir,
        CODE_OFFLINE_TIMEOUT_S: process.env.CODE_OFFLINE_TIMEOUT_S ?? String(TIER_TIMEOUT_S),
      },
    });
    return 0;
  } catch (err) {
    console.error(`integration tests failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    if (process.env.KMOD_VSCODE_KEEP) console.log(`kept ${runDir}`);
    else fs.rmSync(runDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
