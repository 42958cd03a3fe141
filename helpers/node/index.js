'use strict';
// The Cronium helper for Node.js scripts: a thin client of the runtime API (openapi.yaml).
// Zero dependencies, Node 18+. CommonJS; index.mjs re-exports this same module for ESM.
//
// Every request goes through call(operationId, ...), which looks the operation up in OPERATIONS,
// the one table of API paths in this package (helpers/SPEC.md).

// http and crypto load on the first call, not with the helper: the runner image preloads this file into every
// Node script, and in a runner container those two modules took about 25 ms of a no-op script's start.
let httpModule = null;
let cryptoModule = null;
const http = () => (httpModule ??= require('http'));
const crypto = () => (cryptoModule ??= require('crypto'));
const diagnosticsChannel = require('diagnostics_channel');
const { CroniumError, CroniumAPIError, CroniumTimeoutError } = require('./errors.js');

const VERSION = '1.0.0';

/** operationId → [HTTP method, path template], exactly as in openapi.yaml. */
const OPERATIONS = Object.freeze({
  getInput: Object.freeze(['GET', '/v1/executions/{executionId}/input']),
  setOutput: Object.freeze(['PUT', '/v1/executions/{executionId}/output']),
  getVariable: Object.freeze(['GET', '/v1/executions/{executionId}/variables/{key}']),
  setVariable: Object.freeze(['PUT', '/v1/executions/{executionId}/variables/{key}']),
  deleteVariable: Object.freeze(['DELETE', '/v1/executions/{executionId}/variables/{key}']),
  listVariables: Object.freeze(['GET', '/v1/executions/{executionId}/variables']),
  getCondition: Object.freeze(['GET', '/v1/executions/{executionId}/condition']),
  setCondition: Object.freeze(['PUT', '/v1/executions/{executionId}/condition']),
  getEvent: Object.freeze(['GET', '/v1/executions/{executionId}/event']),
  runToolAction: Object.freeze(['POST', '/v1/executions/{executionId}/tool-actions']),
});

const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 2000;
const DEFAULT_DEADLINE_S = 30;
// A kept-alive socket the server closed while it sat idle fails on first use; such a failure is
// retried at once (no backoff), a few times at most, before the normal retry rules apply.
const STALE_SOCKET_RETRIES = 3;
// Idle kept-alive sockets are closed by the client after this long, well before the server's
// own keep-alive timeout, so a reused socket is rarely one the server is about to close.
const IDLE_SOCKET_MS = 15000;

const retryChannel = diagnosticsChannel.channel('cronium:retry');

// ---------------------------------------------------------------------------------------------
// Configuration (read at every call, so a script may set the environment after loading us)

const CONFIG_HINT = 'run the script through cronium (cronium run) or export it';

function setting(name) {
  // Surrounding whitespace (a token read from a file with its newline) is never meaningful.
  const value = (process.env[name] || '').trim();
  if (value === '') {
    throw new CroniumError(`${name} is not set: ${CONFIG_HINT}`, { code: 'configuration_missing', status: 0 });
  }
  return value;
}

function invalidSetting(name, why) {
  return new CroniumError(`${name} is invalid: ${why}`, { code: 'configuration_invalid', status: 0 });
}

const targets = new Map(); // CRONIUM_RUNTIME_API → { agent, socketPath | host/port, basePath, label }

function target(api) {
  let t = targets.get(api);
  if (t) return t;
  let options;
  if (api.startsWith('unix://')) {
    const socketPath = decodeURIComponent(api.slice('unix://'.length));
    if (!socketPath.startsWith('/')) {
      throw invalidSetting('CRONIUM_RUNTIME_API', 'a Unix socket must be an absolute path, as in unix:///run/cronium/runtime.sock');
    }
    options = { socketPath, basePath: '', label: api };
  } else {
    let url;
    try {
      url = new URL(api);
    } catch {
      url = null;
    }
    if (!url || url.protocol !== 'http:' || !url.hostname) {
      throw invalidSetting('CRONIUM_RUNTIME_API', 'expected http://host:port or unix:///path/to.sock');
    }
    options = {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port ? Number(url.port) : 80,
      basePath: url.pathname.replace(/\/+$/, ''),
      label: `${url.protocol}//${url.host}`,
    };
  }
  const agent = new (http().Agent)({
    keepAlive: true,
    keepAliveMsecs: 1000,
    maxFreeSockets: 4,
    scheduling: 'lifo',
    timeout: IDLE_SOCKET_MS,
  });
  // Node unrefs idle kept-alive sockets (Agent#keepSocketAlive) and refs them again on reuse, so
  // an idle connection never keeps the script alive. Say so explicitly in case that ever changes.
  const keepSocketAlive = agent.keepSocketAlive.bind(agent);
  agent.keepSocketAlive = (socket) => {
    const kept = keepSocketAlive(socket);
    if (kept) socket.unref();
    return kept;
  };
  t = { ...options, agent };
  targets.set(api, t);
  return t;
}

function config() {
  const api = setting('CRONIUM_RUNTIME_API');
  const token = setting('CRONIUM_EXECUTION_TOKEN');
  const executionId = setting('CRONIUM_EXECUTION_ID');
  if (/[\s]/.test(token)) throw invalidSetting('CRONIUM_EXECUTION_TOKEN', 'it contains whitespace');
  let deadline = DEFAULT_DEADLINE_S;
  const raw = process.env.CRONIUM_RETRY_DEADLINE;
  if (raw !== undefined && raw !== '') {
    deadline = Number(raw);
    if (!Number.isFinite(deadline) || deadline < 0) {
      throw invalidSetting('CRONIUM_RETRY_DEADLINE', 'expected a number of seconds (>= 0)');
    }
  }
  return { target: target(api), token, executionId, deadlineMs: deadline * 1000 };
}

// ---------------------------------------------------------------------------------------------
// Transport

function redact(text, token) {
  if (typeof text !== 'string' || !token) return text;
  return text.split(token).join('[redacted]');
}

function sleep(ms) {
  // Not unref'd: a script waiting for a retry must stay alive.
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function backoff(attempt) {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function retryAfterMs(header) {
  if (header === undefined) return null;
  const value = String(header).trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ENOENT', 'ETIMEDOUT', 'EHOSTUNREACH',
  'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN', 'ENOTFOUND', 'EADDRNOTAVAIL', 'ECONNTIMEDOUT', 'UND_ERR_SOCKET',
]);

/** One HTTP exchange. Resolves {status, headers, body} or rejects with a connection error. */
function send(t, method, path, headers, payload, connectTimeoutMs) {
  return new Promise((resolve, reject) => {
    const options = { method, path: t.basePath + path, headers, agent: t.agent };
    if (t.socketPath) {
      options.socketPath = t.socketPath;
      headers.Host = 'localhost';
    } else {
      options.host = t.host;
      options.port = t.port;
    }
    let req;
    try {
      req = http().request(options);
    } catch (err) {
      reject(err);
      return;
    }
    let connectTimer = null;
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      connectTimer = setTimeout(() => {
        const err = new Error(`could not connect within ${connectTimeoutMs} ms`);
        err.code = 'ECONNTIMEDOUT';
        req.destroy(err);
      }, Math.max(1, connectTimeoutMs));
      socket.once('connect', () => clearTimeout(connectTimer));
    });
    req.on('error', (err) => {
      clearTimeout(connectTimer);
      err.reusedSocket = req.reusedSocket;
      reject(err);
    });
    req.on('response', (res) => {
      clearTimeout(connectTimer);
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('error', (err) => {
        err.reusedSocket = req.reusedSocket;
        reject(err);
      });
      res.on('aborted', () => {
        const err = new Error('the connection closed before the response was complete');
        err.code = 'ECONNRESET';
        reject(err);
      });
      res.on('end', () => {
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(payload);
  });
}

function parseJson(text) {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function inProgress(res) {
  return res.status === 409 && /"code"\s*:\s*"idempotency_in_progress"/.test(res.body);
}

function problemError(operationId, res, token) {
  const type = String(res.headers['content-type'] || '');
  const parsed = /json/i.test(type) ? parseJson(res.body) : { ok: false };
  const problem = parsed.ok && parsed.value && typeof parsed.value === 'object' ? parsed.value : null;
  if (problem) {
    for (const k of Object.keys(problem)) if (typeof problem[k] === 'string') problem[k] = redact(problem[k], token);
  }
  const code = problem && typeof problem.code === 'string' ? problem.code : 'unexpected_response';
  let detail = null;
  if (problem) detail = problem.detail ?? problem.title ?? null;
  else if (res.body) detail = redact(res.body.slice(0, 300), token);
  const text = detail ? `: ${detail}` : '';
  return new CroniumAPIError(res.status, `${operationId} failed with ${res.status} ${code}${text}`, {
    code, detail, problem, operationId,
  });
}

function describeConnectionError(err) {
  return err.code && !String(err.message).includes(err.code) ? `${err.code} ${err.message}` : err.message;
}

function jsonBody(value) {
  return JSON.stringify(value, (k, v) => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      throw new TypeError(`${v} is not a JSON number${k ? ` (at "${k}")` : ''}; convert it explicitly`);
    }
    return v;
  });
}

function buildPath(template, params, executionId) {
  return template.replace(/\{(\w+)\}/g, (_, name) => {
    const value = name === 'executionId' ? executionId : params[name];
    return encodeURIComponent(String(value));
  });
}

/**
 * The single way to talk to the runtime: run the operation `operationId` with path parameters,
 * query and JSON body; retries per helpers/SPEC.md. Resolves the parsed JSON answer (undefined for 204).
 */
async function call(operationId, { params = {}, query = null, body } = {}) {
  const op = OPERATIONS[operationId];
  if (!op) throw new TypeError(`unknown operation ${operationId}`);
  const [method, template] = op;
  const cfg = config();
  let path = buildPath(template, params, cfg.executionId);
  if (query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.append(k, String(v));
    const s = qs.toString();
    if (s) path += `?${s}`;
  }
  const payload = body === undefined ? null : Buffer.from(jsonBody(body), 'utf8');
  const idempotencyKey = method === 'GET' ? null : crypto().randomUUID();
  const started = Date.now();
  const deadline = started + cfg.deadlineMs;

  let attempt = 0;
  let staleRetries = 0;
  for (;;) {
    const headers = {
      Authorization: `Bearer ${cfg.token}`,
      Accept: 'application/json, application/problem+json',
      'User-Agent': `cronium-node/${VERSION} node/${process.versions.node}`,
    };
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = payload.length;
    } else if (method !== 'GET') {
      headers['Content-Length'] = 0;
    }

    let res = null;
    let failure = null;
    try {
      res = await send(cfg.target, method, path, headers, payload, Math.max(1000, deadline - Date.now()));
    } catch (err) {
      if (err instanceof TypeError || err.code === 'ERR_INVALID_CHAR' || err.code === 'ERR_INVALID_ARG_TYPE') {
        throw new CroniumError(`${operationId} could not be sent: ${redact(err.message, cfg.token)}`, {
          code: 'configuration_invalid', status: 0, operationId,
        });
      }
      failure = err;
    }

    let waitMs;
    let reason;
    let hinted = false;
    if (res) {
      if (res.status < 400) {
        if (res.status === 204 || res.body === '') return undefined;
        const parsed = parseJson(res.body);
        if (!parsed.ok) {
          throw new CroniumAPIError(res.status, `${operationId} got a ${res.status} answer that is not JSON`, {
            code: 'unexpected_response', detail: redact(res.body.slice(0, 300), cfg.token), operationId,
          });
        }
        return parsed.value;
      }
      // 409 idempotency_in_progress: an earlier attempt of this very write still runs (its
      // connection broke); waiting gets its answer, so it is retried like a 429.
      if (res.status !== 429 && res.status < 500 && !inProgress(res)) throw problemError(operationId, res, cfg.token);
      const retryAfter = retryAfterMs(res.headers['retry-after']);
      hinted = retryAfter !== null;
      waitMs = hinted ? retryAfter : backoff(attempt);
      reason = `${res.status}`;
    } else {
      if (failure.reusedSocket && staleRetries < STALE_SOCKET_RETRIES) {
        staleRetries += 1;
        if (retryChannel.hasSubscribers) {
          retryChannel.publish({ operationId, attempt, reason: 'stale-socket', error: failure.code, delayMs: 0 });
        }
        continue;
      }
      const code = failure.code || '';
      const retryable = CONNECTION_ERRORS.has(code) || failure.message === 'socket hang up';
      if (!retryable) {
        throw new CroniumTimeoutError(`${operationId} failed: could not reach the runtime at ${cfg.target.label}: ${redact(describeConnectionError(failure), cfg.token)}`, {
          operationId, cause: failure,
        });
      }
      waitMs = backoff(attempt);
      reason = code || 'connection';
    }

    // Backoff waits are cut short to make one last attempt at the deadline; a Retry-After that
    // ends past the deadline is not waited for.
    const remaining = deadline - Date.now();
    if (!hinted && waitMs > remaining) waitMs = remaining;
    if (remaining <= 0 || waitMs > remaining) {
      if (res) throw problemError(operationId, res, cfg.token);
      const seconds = Math.round((Date.now() - started) / 100) / 10;
      throw new CroniumTimeoutError(
        `${operationId} failed: the runtime at ${cfg.target.label} could not be reached for ${seconds} s ` +
        `(${redact(describeConnectionError(failure), cfg.token)}); CRONIUM_RETRY_DEADLINE is ${cfg.deadlineMs / 1000} s`,
        { operationId, cause: failure },
      );
    }
    if (retryChannel.hasSubscribers) {
      retryChannel.publish({ operationId, attempt, reason, delayMs: waitMs });
    }
    attempt += 1;
    await sleep(waitMs);
  }
}

// ---------------------------------------------------------------------------------------------
// The helpers

function requireKey(key, fn) {
  if (typeof key !== 'string' || key === '') throw new TypeError(`${fn}: key must be a non-empty string`);
}

/** The execution's input (the previous event's output in a chain), or null. */
async function input() {
  const res = await call('getInput');
  return res.data === undefined ? null : res.data;
}

/** Set the execution's output (any JSON value; the last call wins). */
async function output(data) {
  if (data === undefined) throw new TypeError('output: data is required (pass null to clear the output)');
  await call('setOutput', { body: { data } });
}

/** A variable's value, or `defaultValue` (null when not given) when it does not exist. */
async function getVariable(key, defaultValue = null) {
  requireKey(key, 'getVariable');
  try {
    const res = await call('getVariable', { params: { key } });
    return res.value;
  } catch (err) {
    if (err instanceof CroniumError && err.status === 404 && err.code === 'variable_not_found') return defaultValue;
    throw err;
  }
}

/**
 * Create or replace a variable. `options.ifVersion` (or a number as third argument) makes it a
 * compare-and-set: 0 = only if absent. Resolves {key, version, updatedAt}.
 */
async function setVariable(key, value, options) {
  requireKey(key, 'setVariable');
  if (value === undefined) throw new TypeError('setVariable: value is required (pass null to store null)');
  let ifVersion = options;
  if (options !== null && typeof options === 'object') ifVersion = options.ifVersion;
  const body = { value };
  if (ifVersion !== undefined && ifVersion !== null) {
    if (!Number.isInteger(ifVersion) || ifVersion < 0) {
      throw new TypeError('setVariable: ifVersion must be an integer >= 0 (0 = only if the variable does not exist)');
    }
    body.ifVersion = ifVersion;
  }
  return call('setVariable', { params: { key }, body });
}

/** Delete a variable; rejects with variable_not_found when there is none. */
async function deleteVariable(key) {
  requireKey(key, 'deleteVariable');
  await call('deleteVariable', { params: { key } });
}

/** Every variable whose key starts with `prefix`: [{key, version, updatedAt}], in key order. */
async function listVariables(prefix = '') {
  if (typeof prefix !== 'string') throw new TypeError('listVariables: prefix must be a string');
  const items = [];
  let after = null;
  for (;;) {
    const page = await call('listVariables', { query: { prefix, after } });
    items.push(...page.items);
    if (page.nextAfter === null || page.nextAfter === undefined || page.items.length === 0) return items;
    after = page.nextAfter;
  }
}

const CONDITION_WORDS = new Map([['true', true], ['yes', true], ['on', true], ['1', true], ['false', false], ['no', false], ['off', false], ['0', false]]);

/**
 * Set the condition that ON_CONDITION actions follow: true or false; like Cronium's helpers also 1/0 and
 * the words true/false, yes/no, on/off (any case). `{ strict: true }` takes a real boolean only.
 */
async function setCondition(flag, { strict = false } = {}) {
  let condition = typeof flag === 'boolean' ? flag : undefined;
  if (condition === undefined && !strict && (flag === 0 || flag === 1)) condition = flag === 1;
  if (condition === undefined && !strict && typeof flag === 'string') condition = CONDITION_WORDS.get(flag.trim().toLowerCase());
  if (condition === undefined) {
    const allowed = strict ? 'true or false' : 'true or false (or 1/0, "yes"/"no", "on"/"off")';
    throw new TypeError(`setCondition: expected ${allowed}, got ${typeof flag === 'string' ? JSON.stringify(flag) : String(flag)}`);
  }
  await call('setCondition', { body: { condition } });
}

/** The condition this execution set last, or `defaultValue` (false, as ON_CONDITION reads it) when it set none. */
async function getCondition(defaultValue = false) {
  const res = await call('getCondition');
  return res.condition === null || res.condition === undefined ? defaultValue : res.condition;
}

/** The execution context: executionId, jobId, userId, event, workflow, attempt, startedAt, deadline, metadata. */
async function event() {
  return call('getEvent');
}

/** Run a tool action with a stored credential (default: the one named after the tool). Resolves {success, data, error}. */
async function toolAction(tool, action, params = {}, credential = null) {
  if (typeof tool !== 'string' || tool === '') throw new TypeError('toolAction: tool must be a non-empty string');
  if (typeof action !== 'string' || action === '') throw new TypeError('toolAction: action must be a non-empty string');
  const body = { tool, action, params: params ?? {} };
  if (credential !== undefined && credential !== null) body.credential = credential;
  return call('runToolAction', { body });
}

/** toolAction("email", "send", {to, subject, body}, credential). */
function sendEmail(to, subject, body, credential = null) {
  return toolAction('email', 'send', { to, subject, body }, credential);
}

/** toolAction("slack", "send", {text}, credential). */
function sendSlack(text, credential = null) {
  return toolAction('slack', 'send', { text }, credential);
}

/** toolAction("discord", "send", {content}, credential). */
function sendDiscord(content, credential = null) {
  return toolAction('discord', 'send', { content }, credential);
}

// What index.mjs, the preload and require('cronium') expose: these functions, plus Cronium's names
// (compat.js), on the client class that is the module itself, as in Cronium's SDK.
module.exports = require('./compat.js').build({
  input,
  output,
  getVariable,
  setVariable,
  deleteVariable,
  listVariables,
  setCondition,
  getCondition,
  event,
  toolAction,
  sendEmail,
  sendSlack,
  sendDiscord,
}, { CroniumError, CroniumAPIError, CroniumTimeoutError, OPERATIONS, VERSION });
