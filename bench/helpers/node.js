'use strict';
// 500 (argv[2]) getVariable calls through the helper vs the same calls made raw with `http` and a
// keep-alive Agent; alternating rounds so both see the same runtime conditions. Run by node.sh.

const http = require('node:http');
const path = require('node:path');
const cronium = require(path.resolve(__dirname, '../../helpers/node'));

const calls = Number(process.argv[2] || 500);
const key = process.argv[3] || 'bench.value';
const api = process.env.CRONIUM_RUNTIME_API;
const token = process.env.CRONIUM_EXECUTION_TOKEN;
const executionId = process.env.CRONIUM_EXECUTION_ID;

// The raw baseline: what a script would write by hand with `http` and a keep-alive Agent.
const agent = new http.Agent({ keepAlive: true });
const target = api.startsWith('unix://')
  ? { socketPath: api.slice('unix://'.length) }
  : { host: new URL(api).hostname, port: Number(new URL(api).port) };
const rawPath = `/v1/executions/${executionId}/variables/${encodeURIComponent(key)}`;

function rawGet() {
  return new Promise((resolve, reject) => {
    const req = http.request({ ...target, agent, method: 'GET', path: rawPath, headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`raw call got ${res.statusCode}`));
        else resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')).value);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const helperGet = () => cronium.getVariable(key);

async function series(fn, n) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) await fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

(async () => {
  const expected = JSON.stringify(await rawGet());
  if (JSON.stringify(await helperGet()) !== expected) throw new Error('the helper and the raw call disagree');
  await series(rawGet, 100); // warm both paths (JIT, connections, runtime caches)
  await series(helperGet, 100);

  const rounds = 5;
  const per = Math.ceil(calls / rounds);
  let rawMs = 0;
  let helperMs = 0;
  let done = 0;
  for (let r = 0; r < rounds && done < calls; r += 1) {
    const n = Math.min(per, calls - done);
    if (r % 2 === 0) {
      rawMs += await series(rawGet, n);
      helperMs += await series(helperGet, n);
    } else {
      helperMs += await series(helperGet, n);
      rawMs += await series(rawGet, n);
    }
    done += n;
  }
  const transport = api.startsWith('unix://') ? 'unix' : 'tcp';
  const fmt = (ms) => `${(ms / calls).toFixed(3)} ms/call (${ms.toFixed(0)} ms total)`;
  console.log(`${transport.padEnd(4)}  raw http+keep-alive: ${fmt(rawMs)}`);
  console.log(`${transport.padEnd(4)}  cronium helper:      ${fmt(helperMs)}`);
  console.log(`${transport.padEnd(4)}  ratio helper/raw:    ${(helperMs / rawMs).toFixed(2)}x (target <= 1.5x)`);
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
