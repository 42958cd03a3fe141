'use strict';
// Shared plumbing for the suite: the live runtime started by test.sh (tests/support/runtime.sh),
// executions, orchestrator calls, child scripts and small local providers (webhook, SMTP).
// Nothing here imitates the runtime: every helper call goes to the real one.

const assert = require('node:assert/strict');
const { execFileSync, spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const HELPER_DIR = path.resolve(__dirname, '..');
const ROOT = path.resolve(HELPER_DIR, '../..');
const HARNESS = path.join(ROOT, 'tests/support/runtime.sh');
const PRELOAD = path.join(HELPER_DIR, 'preload.cjs');
const { CroniumError, CroniumAPIError, CroniumTimeoutError } = require(HELPER_DIR);

const API = process.env.CRONIUM_TEST_API;
const TRANSPORT = process.env.CRONIUM_TEST_TRANSPORT || (API && API.startsWith('unix:') ? 'unix' : 'tcp');
const USER = process.env.CRONIUM_TEST_USER || 'test-user';
if (!API || !process.env.CRONIUM_TEST_DIR) {
  throw new Error('run the suite through helpers/node/test.sh (it starts the runtime and sets CRONIUM_TEST_API)');
}

function harness(...args) {
  return execFileSync('bash', [HARNESS, ...args], {
    encoding: 'utf8',
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Create an execution (runtime.sh new-execution); resolves {executionId, token, expiresAt, deadline}. */
function newExecution(overrides = {}) {
  return JSON.parse(harness('new-execution', JSON.stringify(overrides)));
}

function complete(executionId, status = 'succeeded') {
  return JSON.parse(harness('complete', executionId, status));
}

/** An orchestrator call through the harness; the parsed body, or null when there is none. Throws on >= 400. */
function admin(method, urlPath, body) {
  const args = ['api', method, urlPath];
  if (body !== undefined) args.push(JSON.stringify(body));
  const out = harness(...args).trim();
  return out ? JSON.parse(out) : null;
}

/** The environment a script of this execution gets. */
function scriptEnv(exec, extra = {}) {
  return {
    CRONIUM_RUNTIME_API: API,
    CRONIUM_EXECUTION_TOKEN: exec.token,
    CRONIUM_EXECUTION_ID: exec.executionId,
    ...extra,
  };
}

/** Point this process's helper at an execution (the helper reads the environment at every call). */
function useExecution(exec, extra = {}) {
  Object.assign(process.env, scriptEnv(exec, extra));
  return exec;
}

function uniqueKey(name) {
  return `node-${TRANSPORT}-${name}-${crypto.randomBytes(4).toString('hex')}`;
}

function userVariable(key) {
  return admin('GET', `/v1/users/${USER}/variables/${encodeURIComponent(key)}`);
}

let scratch = null;
function tempDir() {
  if (!scratch) {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cronium-node-test-'));
    // Tests remove what they create: the scripts, links and packages of this file's run go with it.
    process.on('exit', () => fs.rmSync(scratch, { recursive: true, force: true }));
  }
  return fs.mkdtempSync(path.join(scratch, 'x-'));
}

/**
 * Run `code` as a script in a child Node process. Resolves {code, signal, stdout, stderr, exitedAt}.
 * options: env (added to the script env), file (name, default script.js), dir, nodeArgs.
 */
function runScript(code, { env = {}, file = 'script.js', dir = tempDir(), nodeArgs = [], timeoutMs = 60000 } = {}) {
  const scriptPath = path.join(dir, file);
  fs.writeFileSync(scriptPath, code);
  const childEnv = { ...process.env, ...env };
  for (const name of ['NODE_OPTIONS', 'NODE_PATH']) if (!(name in env)) delete childEnv[name];
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete childEnv[k];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, scriptPath], { cwd: dir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ code: exitCode, signal, stdout, stderr, exitedAt: Date.now() });
    });
  });
}

/** Assert that a promise rejects with a CroniumError with this code and status; returns the error. */
async function rejectsWith(promise, code, status, token) {
  let error = null;
  try {
    await promise;
  } catch (err) {
    error = err;
  }
  assert.ok(error, `expected a rejection with ${code}`);
  assert.ok(error instanceof CroniumError, `expected a CroniumError, got ${error && error.stack}`);
  // An answer from the runtime is Cronium's CroniumAPIError (statusCode), no answer its CroniumTimeoutError.
  if (status > 0) assert.ok(error instanceof CroniumAPIError && error.statusCode === status, `expected a CroniumAPIError, got ${error.name}`);
  if (code === 'unavailable') assert.ok(error instanceof CroniumTimeoutError, `expected a CroniumTimeoutError, got ${error.name}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.status, status, error.message);
  if (token) assertNoToken(error, token);
  return error;
}

function assertNoToken(error, token) {
  const seen = [error.message, error.stack, error.detail, JSON.stringify(error.problem), String(error)].join('\n');
  assert.ok(!seen.includes(token), 'the token appears in the error');
}

/** A raw HTTP exchange with the runtime under test (TCP or Unix socket), outside the helper. */
function rawRequest(method, requestPath, headers = {}, body = null) {
  const target = API.startsWith('unix://')
    ? { socketPath: API.slice('unix://'.length) }
    : { host: new URL(API).hostname, port: Number(new URL(API).port) };
  return new Promise((resolve, reject) => {
    const req = http.request({ ...target, method, path: requestPath, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Records the requests the helper starts (Node's http.client.request.start channel). */
function recordRequests() {
  const channel = require('node:diagnostics_channel').channel('http.client.request.start');
  const requests = [];
  const onStart = ({ request }) => requests.push({
    method: request.method,
    path: request.path,
    idempotencyKey: request.getHeader('idempotency-key'),
    contentType: request.getHeader('content-type'),
  });
  channel.subscribe(onStart);
  return { requests, stop: () => channel.unsubscribe(onStart) };
}

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

/** A loopback port nothing listens on (it was free a moment ago): a provider that cannot be reached. */
async function freePort() {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * A local webhook endpoint (Slack, Discord, generic): records each request and answers like the provider.
 * A test may set `hold(request)` to a function returning a promise the answer waits for (a busy provider).
 */
async function startWebhook() {
  const requests = [];
  const hook = { hold: null };
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { body += d; });
    req.on('end', async () => {
      let json = null;
      try { json = JSON.parse(body); } catch { /* not JSON */ }
      const request = { method: req.method, url: req.url, headers: req.headers, body, json };
      requests.push(request);
      if (hook.hold) await hook.hold(request);
      if (req.url.startsWith('/discord')) {
        res.writeHead(204).end();
      } else if (req.url.startsWith('/slack')) {
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ received: true }));
      }
    });
  });
  const port = await listen(server);
  return Object.assign(hook, { port, url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(r)) });
}

/** A minimal local SMTP server (no TLS, no auth) that records each message. */
async function startSmtp() {
  const messages = [];
  const server = net.createServer((socket) => {
    socket.setEncoding('utf8');
    let buffer = '';
    let inData = false;
    let current = { from: null, to: [], data: '' };
    const reply = (line) => socket.write(`${line}\r\n`);
    reply('220 localhost test SMTP ready');
    socket.on('data', (chunk) => {
      buffer += chunk;
      let idx;
      while ((idx = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, idx);
        buffer = buffer.slice(idx + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            messages.push(current);
            current = { from: null, to: [], data: '' };
            reply('250 2.0.0 queued');
          } else {
            current.data += `${line.startsWith('..') ? line.slice(1) : line}\n`;
          }
          continue;
        }
        const verb = line.split(' ')[0].toUpperCase();
        if (verb === 'EHLO') { socket.write('250-localhost\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n'); }
        else if (verb === 'HELO') reply('250 localhost');
        else if (verb === 'MAIL') { current.from = line; reply('250 2.1.0 ok'); }
        else if (verb === 'RCPT') { current.to.push(line); reply('250 2.1.5 ok'); }
        else if (verb === 'DATA') { inData = true; reply('354 end with <CRLF>.<CRLF>'); }
        else if (verb === 'RSET') { current = { from: null, to: [], data: '' }; reply('250 ok'); }
        else if (verb === 'NOOP') reply('250 ok');
        else if (verb === 'QUIT') { reply('221 bye'); socket.end(); }
        else reply('502 5.5.2 not implemented');
      }
    });
    socket.on('error', () => {});
  });
  const port = await listen(server);
  return { port, messages, close: () => new Promise((r) => server.close(r)) };
}

module.exports = {
  API,
  TRANSPORT,
  USER,
  ROOT,
  HELPER_DIR,
  HARNESS,
  PRELOAD,
  harness,
  newExecution,
  complete,
  admin,
  scriptEnv,
  useExecution,
  uniqueKey,
  userVariable,
  tempDir,
  runScript,
  rejectsWith,
  assertNoToken,
  rawRequest,
  recordRequests,
  startWebhook,
  startSmtp,
  freePort,
};
