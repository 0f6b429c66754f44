#!/usr/bin/env node
/* global setTimeout, clearTimeout, setInterval, clearInterval, URLSearchParams, window, document */
// code-offline: a "VS Code executable" for @vscode/test-electron's runTests() that needs no download.
// It runs the REAL VS Code server + web workbench shipped in code-server (npm, installed by
// scripts/setup-code-offline.sh into .tools/code-offline) and drives Debian's chromium headless with
// playwright-core. The extension under test runs in VS Code's real Node extension host.
//
// Accepts the argv test-electron passes to desktop `code` (folder, --extensionDevelopmentPath,
// --extensionTestsPath, --disable-extensions; desktop-only flags are ignored). The test paths go to the
// workbench through the page URL's `payload`, the way VS Code opens an Extension Development Host in a
// browser; the workbench reports the result through window.codeAutomationExit(code).
//
// Screenshot channel: the server (and so the extension host and the tests) gets
// CODE_OFFLINE_REQUESTS_DIR. A test drops <id>.request.json there; this process, which owns the page,
// answers with <id>.response.json. See test/vscode/suite/launcherChannel.ts for the protocol.
//
// Environment: CODE_OFFLINE_TOOLS (install dir), CHROMIUM_BIN, CODE_OFFLINE_SERVER=vscode|code-server,
// CODE_OFFLINE_TIMEOUT_S (wall-clock budget of the whole run, default 600), CODE_OFFLINE_RENDER_TIMEOUT_S (default 90),
// CODE_OFFLINE_ARTIFACTS (screenshot dir, default ./test-artifacts/code-offline), CODE_OFFLINE_VERBOSE=1,
// CODE_OFFLINE_KEEP=1 (keep the temp profile, e.g. for the extension host log).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import util from 'node:util';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

const TOOLS_DIR = path.resolve(process.env.CODE_OFFLINE_TOOLS || path.join(HERE, '../../../.tools/code-offline'));
const CODE_SERVER_DIR = path.join(TOOLS_DIR, 'node_modules/code-server');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const SERVER_NODE = process.env.CODE_OFFLINE_NODE || process.execPath; // also runs the extension host
const MODE = process.env.CODE_OFFLINE_SERVER || 'vscode';
const TIMEOUT_MS = Number(process.env.CODE_OFFLINE_TIMEOUT_S || 600) * 1000;
const RENDER_TIMEOUT_MS = Number(process.env.CODE_OFFLINE_RENDER_TIMEOUT_S || 90) * 1000;
const ARTIFACTS_DIR = path.resolve(process.env.CODE_OFFLINE_ARTIFACTS || 'test-artifacts/code-offline');
const VERBOSE = Boolean(process.env.CODE_OFFLINE_VERBOSE);
const EXIT_LAUNCHER_FAILURE = 2;

const log = (msg) => console.log(`[code-offline] ${msg}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Flags of desktop `code` that take a value in the next argv entry when written without '='.
const FLAGS_WITH_VALUE = new Set(['extensionDevelopmentPath', 'extensionTestsPath', 'extensions-dir', 'user-data-dir']);

function parseArgs(argv) {
  const opts = { devPaths: [], testsPath: undefined, target: undefined, extensionsDir: undefined, disableExtensions: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      opts.target = path.resolve(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const key = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    let value = eq < 0 ? undefined : arg.slice(eq + 1);
    if (value === undefined && FLAGS_WITH_VALUE.has(key)) value = argv[++i];
    switch (key) {
      case 'extensionDevelopmentPath':
        opts.devPaths.push(path.resolve(value));
        break;
      case 'extensionTestsPath':
        opts.testsPath = path.resolve(value);
        break;
      case 'extensions-dir':
        opts.extensionsDir = path.resolve(value);
        break;
      case 'disable-extensions':
        opts.disableExtensions = true;
        break;
      // --user-data-dir: every run gets a fresh one; --no-sandbox, --skip-welcome, ...: desktop only.
      default:
        if (VERBOSE) log(`ignoring ${arg}`);
    }
  }
  return opts;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function loadPlaywright() {
  try {
    return createRequire(path.join(TOOLS_DIR, 'package.json'))('playwright-core');
  } catch (err) {
    throw new Error(`playwright-core not found in ${TOOLS_DIR} (run scripts/setup-code-offline.sh): ${err.message}`);
  }
}

// Server command lines. 'vscode' runs VS Code's own server entry inside the code-server package (faster,
// accepts --enable-smoke-test-driver); 'code-server' runs code-server's wrapper around it.
function serverCommand(mode, port, dirs) {
  const common = [
    '--user-data-dir',
    dirs.userData,
    '--extensions-dir',
    dirs.extensions,
    '--disable-telemetry',
    '--disable-workspace-trust',
  ];
  if (mode === 'vscode') {
    return {
      args: [
        path.join(CODE_SERVER_DIR, 'lib/vscode/out/server-main.js'),
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--without-connection-token',
        '--accept-server-license-terms',
        '--enable-smoke-test-driver',
        '--server-data-dir',
        dirs.serverData,
        ...common,
      ],
      readyLine: 'Extension host agent listening on',
    };
  }
  if (mode === 'code-server') {
    fs.writeFileSync(dirs.config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
    return {
      args: [
        path.join(CODE_SERVER_DIR, 'out/node/entry.js'),
        '--config',
        dirs.config,
        ...common,
        '--disable-update-check',
        '--disable-getting-started-override',
        '--disable-proxy',
        '--ignore-last-opened',
      ],
      readyLine: 'HTTP server listening',
    };
  }
  throw new Error(`CODE_OFFLINE_SERVER must be 'vscode' or 'code-server', not '${mode}'`);
}

// Workbench console lines that are start-up chatter, not test output.
const CONSOLE_NOISE =
  /^(Resolving|Resolved|Creating a socket|Updating additional|\[Service Worker\]|ChatSessionStore|Started local extension host|Extension host|Ignoring fetching additional builtin|\[reconnection-grace-time\]|\[AgentHost|\[AccountPolicyGate\])/;

function mirrorConsole(page) {
  // The workbench re-logs extension-host output as console.log('%c INFO', 'color: …', format, ...args).
  page.on('console', async (message) => {
    let args;
    try {
      args = await Promise.all(message.args().map((a) => a.jsonValue()));
    } catch {
      args = [message.text()];
    }
    if (typeof args[0] === 'string' && args[0].startsWith('%c')) {
      const text = util.format(...args.slice(2));
      if (VERBOSE || !CONSOLE_NOISE.test(text)) console.log(text);
    } else if (VERBOSE) {
      console.log(`[browser:${message.type()}] ${message.text().slice(0, 400)}`);
    }
  });
}

function safeName(name) {
  return String(name || 'screenshot')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .slice(0, 80);
}

// The extension's log Output channels (its language servers' logs) are files in the user data dir:
// keep them beside the screenshots, and show their error lines when the run failed.
function keepOutputChannels(tmp, failed) {
  let files = [];
  try {
    files = fs
      .readdirSync(tmp, { recursive: true })
      .map(String)
      .filter((name) => /exthost\d+\/kmod-tools\.kmod-tools\/[^/]+\.log$/.test(name));
  } catch {
    return;
  }
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  for (const name of files) {
    const kept = path.join(ARTIFACTS_DIR, `output-${safeName(path.basename(name, '.log'))}.log`);
    fs.copyFileSync(path.join(tmp, name), kept);
    if (!failed) continue;
    const errors = fs
      .readFileSync(kept, 'utf8')
      .split('\n')
      .filter((line) => /error|fail|exception/i.test(line));
    if (errors.length > 0) log(`${kept}, its error lines:\n${errors.slice(-40).join('\n')}`);
  }
}

async function takeScreenshot(page, name) {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${safeName(name)}.png`);
  await page.screenshot({ path: file });
  return file;
}

// Waits until each selector has a visible match; returns { selector: found } (never throws on absence).
async function waitVisible(page, selectors, timeout) {
  const found = {};
  for (const selector of selectors || []) {
    found[selector] = await page
      .locator(selector)
      .first()
      .waitFor({ state: 'visible', timeout })
      .then(
        () => true,
        () => false,
      );
  }
  return found;
}

// Requests from the tests, keyed by `action`. Each returns the response body.
const REQUEST_HANDLERS = {
  // { waitFor: selector[], timeoutMs? } -> { found: {selector: bool} }
  async wait(page, request) {
    return { found: await waitVisible(page, request.waitFor, request.timeoutMs || 5000) };
  },
  // { name, waitFor?: selector[], mouseOver?: selector, timeoutMs? } -> { file, found: {selector: bool} }
  async screenshot(page, request) {
    const timeout = request.timeoutMs || 5000;
    if (request.mouseOver) {
      const box = await page
        .locator(request.mouseOver)
        .first()
        .boundingBox({ timeout })
        .catch(() => null);
      if (box) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    }
    const found = await waitVisible(page, request.waitFor, timeout);
    await sleep(200); // let the hover's fade-in finish
    return { file: await takeScreenshot(page, request.name), found };
  },
  // { selector } -> { texts: string[] } (visible matches only)
  async query(page, request) {
    const matches = page.locator(request.selector);
    const texts = [];
    for (let i = 0; i < (await matches.count()); i++) {
      const match = matches.nth(i);
      if (await match.isVisible()) texts.push(await match.innerText());
    }
    return { texts };
  },
};

// Polls the request directory; writes responses atomically (tmp + rename) like the tests write requests.
function serveRequests(page, requestsDir) {
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      for (const entry of fs.readdirSync(requestsDir)) {
        if (!entry.endsWith('.request.json')) continue;
        const id = entry.slice(0, -'.request.json'.length);
        const requestFile = path.join(requestsDir, entry);
        let response;
        try {
          const request = JSON.parse(fs.readFileSync(requestFile, 'utf8'));
          const handler = REQUEST_HANDLERS[request.action];
          if (!handler) throw new Error(`unknown action '${request.action}'`);
          response = { ok: true, ...(await handler(page, request)) };
        } catch (err) {
          response = { ok: false, error: String((err && err.message) || err) };
        }
        fs.rmSync(requestFile, { force: true });
        const tmpFile = path.join(requestsDir, `${id}.response.tmp`);
        fs.writeFileSync(tmpFile, JSON.stringify(response));
        fs.renameSync(tmpFile, path.join(requestsDir, `${id}.response.json`));
      }
    } finally {
      busy = false;
    }
  }, 100);
  return () => clearInterval(timer);
}

function workbenchUrl(port, opts) {
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload = [
    ...opts.devPaths.map((p) => ['extensionDevelopmentPath', remote(p)]),
    ...(opts.testsPath ? [['extensionTestsPath', remote(opts.testsPath)]] : []),
    ...(opts.disableExtensions ? [['disableExtensions', 'true']] : []),
  ];
  const params = new URLSearchParams();
  if (!opts.target) params.set('ew', 'true');
  else params.set(opts.target.endsWith('.code-workspace') ? 'workspace' : 'folder', opts.target);
  if (payload.length) params.set('payload', JSON.stringify(payload));
  return `http://127.0.0.1:${port}/?${params}`;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
  const remainingMs = () => Math.max(1, t0 + TIMEOUT_MS - Date.now());
  if (!fs.existsSync(CODE_SERVER_DIR)) throw new Error(`code-server not found in ${TOOLS_DIR} (run scripts/setup-code-offline.sh)`);
  const { chromium } = loadPlaywright();

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'code-offline-'));
  const dirs = {
    userData: path.join(tmp, 'user-data'),
    serverData: path.join(tmp, 'server-data'),
    extensions: opts.extensionsDir || path.join(tmp, 'extensions'),
    home: path.join(tmp, 'home'),
    tmp: path.join(tmp, 'tmp'),
    requests: path.join(tmp, 'requests'),
    config: path.join(tmp, 'config.yaml'),
  };
  for (const dir of [dirs.extensions, path.join(dirs.userData, 'User'), dirs.home, dirs.tmp, dirs.requests])
    fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'extensions.ignoreRecommendations': true,
        'workbench.startupEditor': 'none',
        'workbench.enableExperiments': false,
        'chat.disableAIFeatures': true,
        'workbench.tips.enabled': false,
      },
      null,
      2,
    ),
  );

  // Throwaway HOME/XDG/TMPDIR: the server and chromium write there on every start, and the
  // server's sockets and clangd's preambles would outlive a killed process group in /tmp.
  const env = {
    ...process.env,
    HOME: dirs.home,
    TMPDIR: dirs.tmp,
    XDG_CONFIG_HOME: path.join(dirs.home, '.config'),
    XDG_DATA_HOME: path.join(dirs.home, '.local/share'),
    XDG_CACHE_HOME: path.join(dirs.home, '.cache'),
    CODE_OFFLINE_REQUESTS_DIR: dirs.requests,
    EXTENSIONS_GALLERY: process.env.EXTENSIONS_GALLERY || '{"serviceUrl":""}', // no marketplace offline
  };
  delete env.VSCODE_IPC_HOOK_CLI;

  const port = await freePort();
  const { args, readyLine } = serverCommand(MODE, port, dirs);
  // Own process group, so the server, its file watcher, pty host, extension host and the language
  // servers the extension forks all go away with one kill.
  const server = spawn(SERVER_NODE, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let serverGroupAlive = true;
  const killServerGroup = (signal) => {
    if (!serverGroupAlive) return;
    try {
      process.kill(-server.pid, signal);
    } catch {
      serverGroupAlive = false;
    }
  };
  let browser;
  process.on('exit', () => killServerGroup('SIGKILL'));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      killServerGroup('SIGKILL');
      const closing = browser ? browser.close().catch(() => {}) : Promise.resolve();
      Promise.race([closing, sleep(3000)]).then(() => {
        if (!process.env.CODE_OFFLINE_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
        process.exit(130);
      });
    });
  }

  let serverLog = '';
  let extensionHostSeen = false;
  // The web workbench reports 0 through codeAutomationExit even when the extension host was killed
  // (seen: SIGKILL -> 0), so the extension host's own exit, from the server log, has the last word.
  let reportExtensionHostExit;
  const extensionHostExited = new Promise((resolve) => {
    reportExtensionHostExit = resolve;
  });
  const abnormalExit = (exit) =>
    exit.code === '0' && exit.signal === 'null' ? undefined : `extension host exited with code ${exit.code}, signal ${exit.signal}`;
  const onServerOutput = (data) => {
    serverLog += data;
    if (VERBOSE) process.stderr.write(`[server] ${data}`);
    if (!extensionHostSeen && serverLog.includes('Launched Extension Host Process')) {
      extensionHostSeen = true;
      log(`extension host process launched (${elapsed()})`);
    }
    const exit = /Extension Host Process exited with code: (\S+), signal: (\S+)\./.exec(String(data));
    if (exit) reportExtensionHostExit({ code: exit[1], signal: exit[2] });
  };
  server.stdout.on('data', onServerOutput);
  server.stderr.on('data', onServerOutput);
  const serverExited = new Promise((resolve) => server.once('exit', (code, signal) => resolve(code ?? signal)));

  let result; // exit code of the tests, or a string describing why there is none
  let stopServingRequests = () => {};
  let page;
  try {
    let readyTimer;
    await Promise.race([
      new Promise((resolve) => {
        readyTimer = setInterval(() => serverLog.includes(readyLine) && resolve(), 50);
      }),
      serverExited.then((code) => {
        throw new Error(`server exited (${code}) before listening`);
      }),
      sleep(Math.min(60000, remainingMs())).then(() => {
        throw new Error(`server did not start listening (${elapsed()})`);
      }),
    ]).finally(() => clearInterval(readyTimer));
    log(`${MODE} server ready on 127.0.0.1:${port} (${elapsed()})`);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      env: { ...env, EXTENSIONS_GALLERY: undefined },
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    mirrorConsole(page);
    // Newer VS Code (seen in 1.139) reads the payload's test entries only with enableSmokeTestDriver;
    // patch the config meta tag before workbench.js reads it. Harmless on 1.100. (page.route() would
    // break the workbench's WebSockets.)
    await page.addInitScript(() => {
      const patch = (el) => {
        if (el.id !== 'vscode-workbench-web-configuration' || el.dataset.codeOfflinePatched) return;
        const config = JSON.parse(el.getAttribute('data-settings'));
        config.developmentOptions = { ...(config.developmentOptions || {}), enableSmokeTestDriver: true };
        el.setAttribute('data-settings', JSON.stringify(config));
        el.dataset.codeOfflinePatched = '1';
      };
      new window.MutationObserver((records) => {
        for (const record of records) for (const node of record.addedNodes) if (node.nodeType === 1) patch(node);
      }).observe(document, { childList: true, subtree: true });
    });
    let reportExit;
    const testsExited = new Promise((resolve) => {
      reportExit = resolve;
    });
    await page.exposeFunction('codeAutomationExit', (code) => reportExit(code));

    await page.goto(workbenchUrl(port, opts));
    const renderTimeoutMs = Math.min(RENDER_TIMEOUT_MS, remainingMs());
    const rendered = await page.waitForSelector('.monaco-workbench', { timeout: renderTimeoutMs }).then(
      () => true,
      () => false,
    );
    if (!rendered) {
      result = `workbench did not render within ${renderTimeoutMs / 1000} s`;
    } else {
      log(`workbench rendered (${elapsed()})`);
      stopServingRequests = serveRequests(page, dirs.requests);
      if (!opts.testsPath) {
        result = 0;
      } else {
        let timeoutTimer;
        result = await Promise.race([
          testsExited,
          serverExited.then((code) => `server exited (${code}) during the tests`),
          extensionHostExited.then((exit) => (abnormalExit(exit) ? sleep(3000).then(() => abnormalExit(exit)) : new Promise(() => {}))),
          new Promise((resolve) => {
            timeoutTimer = setTimeout(() => resolve(`timed out: run budget of ${TIMEOUT_MS / 1000} s used up`), remainingMs());
          }),
        ]);
        clearTimeout(timeoutTimer);
        if (typeof result === 'number') {
          const exit = await Promise.race([extensionHostExited, sleep(1000).then(() => undefined)]);
          if (exit && abnormalExit(exit)) result = `tests reported ${result}, but the ${abnormalExit(exit)}`;
        }
        await sleep(300); // let mirrored console output drain
        log(`tests finished: ${result} (${elapsed()})`);
      }
    }
  } catch (err) {
    result = `launcher error: ${(err && err.stack) || err}`;
  } finally {
    stopServingRequests();
    if (page) {
      const shotName = result === 0 ? 'workbench-end' : 'workbench-failure';
      await takeScreenshot(page, shotName).then(
        (file) => log(`screenshot ${file}`),
        () => {},
      );
    }
    if (browser) await Promise.race([browser.close().catch(() => {}), sleep(5000)]);
    killServerGroup('SIGTERM');
    await Promise.race([serverExited, sleep(5000)]);
    await sleep(300);
    killServerGroup('SIGKILL');
    keepOutputChannels(tmp, result !== 0);
    if (process.env.CODE_OFFLINE_KEEP) log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (typeof result !== 'number') {
    console.error(`[code-offline] FAILED: ${result}\n--- server log (tail) ---\n${serverLog.slice(-3000)}`);
    process.exit(EXIT_LAUNCHER_FAILURE);
  }
  log(`exit ${result} (${elapsed()})`);
  process.exit(result);
}

main().catch((err) => {
  console.error(`[code-offline] ${(err && err.stack) || err}`);
  process.exit(EXIT_LAUNCHER_FAILURE);
});
