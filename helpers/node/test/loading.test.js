'use strict';
// How scripts get the helper: no import (preload), require, import (default and named), an
// installed package; its types; and its operations table against openapi.yaml.

const { describe, it, before } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const s = require('./support');
const cronium = require('..');

function which(command) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch { /* next */ }
  }
  return null;
}

/** A folder with node_modules/cronium linked to the helper, as an install would leave it. */
function projectWithLink() {
  const dir = s.tempDir();
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(s.HELPER_DIR, path.join(dir, 'node_modules', 'cronium'), 'dir');
  return dir;
}

const SCRIPT_BODY = (key) => `
  const v = await cronium.setVariable(${JSON.stringify(key)}, { from: 'script', n: 1 });
  const back = await cronium.getVariable(${JSON.stringify(key)});
  const ctx = await cronium.event();
  console.log(JSON.stringify({ version: v.version, back, executionId: ctx.executionId, input: await cronium.input() }));
`;

describe(`loading over ${s.TRANSPORT}`, () => {
  let exec;
  let env;
  before(() => {
    exec = s.newExecution();
    env = s.scriptEnv(exec);
  });

  function check(result, key) {
    assert.equal(result.code, 0, `exit ${result.code}\n${result.stderr}`);
    const out = JSON.parse(result.stdout.trim().split('\n').pop());
    assert.ok(out.version >= 1);
    assert.deepEqual(out.back, { from: 'script', n: 1 });
    assert.equal(out.executionId, exec.executionId);
    assert.deepEqual(out.input, { hello: 'world' });
    assert.equal(s.userVariable(key).version, out.version);
  }

  it('no import: node --require preload.cjs gives globalThis.cronium', async () => {
    const key = s.uniqueKey('preload');
    const result = await s.runScript(`(async () => { ${SCRIPT_BODY(key)} })();`, { env, nodeArgs: ['--require', s.PRELOAD] });
    check(result, key);
  });

  it('the preload loads neither http nor crypto until the script first calls the runtime', async () => {
    const loaded = 'JSON.stringify(process.moduleLoadList.filter((m) => /^NativeModule (http|crypto)$/.test(m)))';
    const result = await s.runScript(`(async () => {
      const before = ${loaded};
      await cronium.setVariable(${JSON.stringify(s.uniqueKey('lazy'))}, 1);
      console.log(JSON.stringify({ before: JSON.parse(before), after: JSON.parse(${loaded}).sort() }));
    })();`, { env, nodeArgs: ['--require', s.PRELOAD] });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { before: [], after: ['NativeModule crypto', 'NativeModule http'] });
  });

  it('no import: NODE_OPTIONS=--require preload.cjs works for a CommonJS and an ES module script', async () => {
    const nodeOptions = `--require ${s.PRELOAD}`;
    const key = s.uniqueKey('nodeoptions');
    check(await s.runScript(`(async () => { ${SCRIPT_BODY(key)} })();`, { env: { ...env, NODE_OPTIONS: nodeOptions } }), key);
    const key2 = s.uniqueKey('nodeoptions-esm');
    check(await s.runScript(SCRIPT_BODY(key2), { file: 'script.mjs', env: { ...env, NODE_OPTIONS: nodeOptions } }), key2);
  });

  it('the preload does not replace a cronium global the script already has, and is the same module as require', async () => {
    const result = await s.runScript(`
      const viaRequire = require(${JSON.stringify(s.HELPER_DIR)});
      console.log(JSON.stringify({ same: globalThis.cronium === viaRequire, enumerable: Object.keys(globalThis).includes('cronium') }));
    `, { env, nodeArgs: ['--require', s.PRELOAD] });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { same: true, enumerable: false });
    const dir = s.tempDir();
    fs.writeFileSync(path.join(dir, 'mine.cjs'), "globalThis.cronium = 'mine';");
    const kept = await s.runScript('console.log(globalThis.cronium);', { env, dir, nodeArgs: ['--require', path.join(dir, 'mine.cjs'), '--require', s.PRELOAD] });
    assert.equal(kept.code, 0, kept.stderr);
    assert.equal(kept.stdout.trim(), 'mine');
  });

  it("require('cronium') works with the helper on NODE_PATH", async () => {
    const lib = s.tempDir();
    fs.symlinkSync(s.HELPER_DIR, path.join(lib, 'cronium'), 'dir');
    const key = s.uniqueKey('nodepath');
    const result = await s.runScript(`const cronium = require('cronium'); (async () => { ${SCRIPT_BODY(key)} })();`, { env: { ...env, NODE_PATH: lib } });
    check(result, key);
  });

  it("require('cronium') and require('cronium/preload') work from node_modules", async () => {
    const dir = projectWithLink();
    const key = s.uniqueKey('require');
    check(await s.runScript(`const cronium = require('cronium'); (async () => { ${SCRIPT_BODY(key)} })();`, { env, dir }), key);
    const key2 = s.uniqueKey('require-preload');
    check(await s.runScript(`require('cronium/preload'); (async () => { ${SCRIPT_BODY(key2)} })();`, { env, dir, file: 'other.js' }), key2);
  });

  it("import cronium from 'cronium' (default) works in an ES module", async () => {
    const dir = projectWithLink();
    const key = s.uniqueKey('import-default');
    check(await s.runScript(`import cronium from 'cronium';\n${SCRIPT_BODY(key)}`, { env, dir, file: 'script.mjs' }), key);
  });

  it("named imports and import * work, and are the very same functions as require's", async () => {
    const dir = projectWithLink();
    const key = s.uniqueKey('import-named');
    const result = await s.runScript(`
      import { setVariable, getVariable, event, input, CroniumError, OPERATIONS } from 'cronium';
      import * as all from 'cronium';
      import { createRequire } from 'node:module';
      const required = createRequire(import.meta.url)('cronium');
      const cronium = { setVariable, getVariable, event, input };
      if (setVariable !== required.setVariable || CroniumError !== required.CroniumError || all.default !== required) throw new Error('two copies of the helper');
      if (OPERATIONS.getVariable[0] !== 'GET') throw new Error('no table');
      ${SCRIPT_BODY(key)}
    `, { env, dir, file: 'script.mjs' });
    check(result, key);
  });

  it('an installed package (npm pack, npm install) works with require and import', { timeout: 120000 }, async (t) => {
    const npm = which('npm');
    if (!npm) {
      t.skip('npm is not installed');
      return;
    }
    const dir = s.tempDir();
    const packed = execFileSync(npm, ['pack', '--silent', '--pack-destination', dir, s.HELPER_DIR], { encoding: 'utf8', cwd: dir }).trim().split('\n').pop();
    const tarball = path.join(dir, packed);
    const project = path.join(dir, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'job', version: '1.0.0', private: true }));
    execFileSync(npm, ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', tarball], { cwd: project, stdio: 'pipe' });
    const installed = path.join(project, 'node_modules', 'cronium');
    assert.ok(!fs.lstatSync(installed).isSymbolicLink());
    assert.deepEqual(fs.readdirSync(installed).sort(), ['README.md', 'compat.js', 'errors.js', 'index.d.ts', 'index.js', 'index.mjs', 'package.json', 'preload.cjs']);
    const key = s.uniqueKey('installed-cjs');
    check(await s.runScript(`const cronium = require('cronium'); (async () => { ${SCRIPT_BODY(key)} })();`, { env, dir: project }), key);
    const key2 = s.uniqueKey('installed-esm');
    check(await s.runScript(`import cronium from 'cronium';\n${SCRIPT_BODY(key2)}`, { env, dir: project, file: 'script.mjs' }), key2);
    const key3 = s.uniqueKey('installed-preload');
    check(await s.runScript(`(async () => { ${SCRIPT_BODY(key3)} })();`, { env, dir: project, file: 'p.js', nodeArgs: ['--require', path.join(installed, 'preload.cjs')] }), key3);
  });

});

describe('the package', () => {
  it('index.d.ts type-checks scripts written in TypeScript (ESM and CommonJS)', { timeout: 120000 }, async (t) => {
    const tsc = process.env.CRONIUM_TSC || which('tsc');
    if (!tsc) {
      t.skip('no TypeScript compiler (set CRONIUM_TSC or put tsc on PATH)');
      return;
    }
    const dir = projectWithLink();
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'ts-job', private: true }));
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'es2022', strict: true, noEmit: true, types: [], lib: ['es2022'] },
      files: ['esm.mts', 'cjs.cts', 'legacy.mts', 'bad.mts'],
    }));
    fs.writeFileSync(path.join(dir, 'esm.mts'), `
      import cronium, { getVariable, setVariable, listVariables, event, toolAction, CroniumError, OPERATIONS } from 'cronium';
      import type { VariableVersion, ExecutionEvent, ToolActionResult } from 'cronium';
      const n: number | null = await getVariable<number>('count');
      const d: number = await getVariable<number>('count', 0);
      const v: VariableVersion = await setVariable('count', (d ?? 0) + 1, { ifVersion: 3 });
      const v2: VariableVersion = await cronium.setVariable('k', 'x', 0);
      const all: VariableVersion[] = await listVariables('a.');
      const ctx: ExecutionEvent = await event();
      const r: ToolActionResult = await toolAction('webhook', 'send', { a: 1 });
      const r2 = await cronium.sendEmail('a@b.c', 's', 'b');
      const ok: boolean = r.success && r2.success;
      await cronium.setCondition(ok);
      await cronium.output({ n, v, v2, all, ctx: ctx.event.type });
      const method: 'GET' | 'PUT' | 'POST' | 'DELETE' = OPERATIONS.getVariable[0];
      try { await cronium.deleteVariable('x'); } catch (e) {
        if (e instanceof CroniumError) { const c: string = e.code; const st: number = e.status; const p = e.problem?.currentVersion; void c; void st; void p; }
      }
      void method;
    `);
    fs.writeFileSync(path.join(dir, 'cjs.cts'), `
      import cronium = require('cronium');
      async function main(): Promise<void> {
        const x = await cronium.getVariable<string>('x', 'default');
        const s: string = x;
        await cronium.sendSlack(s);
        await cronium.sendDiscord('hi', 'discord-cred');
        const i = await cronium.input<{ hello: string }>();
        if (i) { const h: string = i.hello; void h; }
      }
      void main;
    `);
    fs.writeFileSync(path.join(dir, 'legacy.mts'), `
      import Cronium, { Cronium as Named, cronium, executeToolAction, sendSlackMessage, CroniumAPIError, CroniumTimeoutError } from 'cronium';
      import type { ExecutionEvent } from 'cronium';
      const client = new Cronium();
      const named: Cronium = new Named();
      void named;
      const v: unknown = await client.getVariable('k');
      await cronium.setCondition('yes');
      const c: boolean = await Cronium.getCondition();
      const ctx: ExecutionEvent = await client.event();
      const name: string = ctx.name + ctx.eventName + ctx.id;
      const data: unknown = await executeToolAction('slack', 'send_message', { text: 'x' });
      await sendSlackMessage({ channel: '#ops', text: 'x' });
      await client.sendEmail({ to: ['a@b.c'], subject: 's', body: '<p>b</p>', cc: 'c@d.e', html: true });
      try { await client.sendDiscordMessage({ channelId: '1', content: 'x' }); } catch (e) {
        if (e instanceof CroniumAPIError) { const sc: number = e.statusCode; void sc; }
        if (e instanceof CroniumTimeoutError) { const code: string = e.code; void code; }
      }
      void v; void c; void name; void data;
    `);
    fs.writeFileSync(path.join(dir, 'bad.mts'), `
      import cronium from 'cronium';
      // @ts-expect-error with strict, setCondition takes a boolean
      await cronium.setCondition('yes', { strict: true });
      // @ts-expect-error not a condition
      await cronium.setCondition('maybe');
      // @ts-expect-error ifVersion is a number
      await cronium.setVariable('k', 1, { ifVersion: 'one' });
    `);
    try {
      execFileSync(tsc, ['-p', dir], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      assert.fail(`tsc failed:\n${err.stdout}${err.stderr}`);
    }
  });
  function scriptOperations() {
    const lines = fs.readFileSync(path.join(s.ROOT, 'openapi.yaml'), 'utf8').split('\n');
    const ops = {};
    let currentPath = null;
    let currentMethod = null;
    let currentId = null;
    for (const line of lines) {
      let m;
      if ((m = /^ {2}(\/\S*):\s*$/.exec(line))) { currentPath = m[1]; currentMethod = null; }
      else if (/^\S/.test(line)) { currentPath = null; }
      else if (currentPath && (m = /^ {4}(get|put|post|delete|patch):\s*$/.exec(line))) { currentMethod = m[1].toUpperCase(); currentId = null; }
      else if (currentMethod && (m = /^ {6}operationId:\s*(\w+)/.exec(line))) { currentId = m[1]; }
      else if (currentId && /^ {6}tags:.*\bScript\b/.test(line)) { ops[currentId] = [currentMethod, currentPath]; }
    }
    return ops;
  }

  it('matches every script-facing operation of openapi.yaml, and nothing else', () => {
    const contract = scriptOperations();
    assert.ok(Object.keys(contract).length >= 9, JSON.stringify(contract));
    const table = Object.fromEntries(Object.entries(cronium.OPERATIONS).map(([k, v]) => [k, [...v]]));
    assert.deepEqual(table, contract);
  });

  it('no API path appears in the helper outside the table', () => {
    for (const file of ['index.js', 'index.mjs', 'preload.cjs', 'compat.js', 'errors.js']) {
      const source = fs.readFileSync(path.join(s.HELPER_DIR, file), 'utf8');
      const outside = source.replace(/const OPERATIONS = Object\.freeze\(\{[\s\S]*?\n\}\);/, '');
      assert.ok(!/['"`]\/v1\//.test(outside), `${file} has an API path outside OPERATIONS`);
      assert.ok(!/\/v1\//.test(outside.replace(/^\s*\/\/.*$/gm, '')), `${file} mentions /v1/ outside OPERATIONS`);
    }
  });

  it('the table is frozen', () => {
    assert.ok(Object.isFrozen(cronium.OPERATIONS));
    assert.ok(Object.isFrozen(cronium.OPERATIONS.getVariable));
  });
});
