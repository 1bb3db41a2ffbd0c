// `nnlab watch` over real HTTP (the real command in a child process, node:http as the client): it
// answers only requests addressed to itself, Host 127.0.0.1:PORT or localhost:PORT, so a page on
// another name that resolves to 127.0.0.1 (DNS rebinding) gets 403; no CORS headers; no file
// outside its three paths, whatever the path says.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { request, type IncomingHttpHeaders } from 'node:http';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from '../data/fixtures.ts';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One GET (or another method) to 127.0.0.1:port with exactly the Host header given (none if null). */
function get(
  port: number,
  path: string,
  host: string | null,
  opts: { method?: string; headers?: Record<string, string>; address?: string } = {},
): Promise<Reply> {
  return new Promise((ok, fail) => {
    const req = request(
      {
        host: opts.address ?? '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        setHost: false,
        headers: { ...(host === null ? {} : { host }), ...opts.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        // /events streams: the status and headers are the answer; its body is not awaited.
        if (res.headers['content-type'] === 'text/event-stream') {
          res.destroy();
          return ok({ status: res.statusCode!, headers: res.headers, body });
        }
        res.on('data', (d: string) => (body += d));
        res.on('end', () => ok({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', fail);
    req.end();
  });
}

let watch: ChildProcess;
let output = '';
let port = 0;
let exited: Promise<number | null>;

before(async () => {
  const dir = tempDir('nnlab-watch-host-');
  mkdirSync(join(dir, 'experiments'));
  cpSync(join(repoRoot, 'experiments', 'quickstart.yaml'), join(dir, 'experiments', 'quickstart.yaml'));
  watch = spawn(process.execPath, [join(repoRoot, 'bin', 'nnlab.js'), 'watch', 'experiments/quickstart.yaml'], {
    cwd: dir,
    env: { ...process.env, NNLAB_RUNS: join(dir, 'runs'), DISPLAY: '', WAYLAND_DISPLAY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  exited = new Promise((ok) => watch.on('exit', (code) => ok(code)));
  port = await new Promise<number>((ok, fail) => {
    const look = (d: Buffer) => {
      output += d;
      const m = /watch: http:\/\/127\.0\.0\.1:(\d+)\//.exec(output);
      if (m) ok(Number(m[1]));
    };
    watch.stdout!.on('data', look);
    watch.stderr!.on('data', look);
    watch.on('exit', () => fail(new Error(`nnlab watch exited before serving:\n${output}`)));
  });
});

after(async () => {
  watch.kill('SIGINT');
  assert.equal(await exited, 130, output);
});

const forbidden = () => `forbidden: this page answers only http://127.0.0.1:${port}/ and http://localhost:${port}/\n`;

function assertNoCors(r: Reply, what: string) {
  const cors = Object.keys(r.headers).filter((h) => h.startsWith('access-control-'));
  assert.deepEqual(cors, [], `${what}: no CORS header`);
}

test('the page, its events and its report path answer Host 127.0.0.1:PORT and localhost:PORT', async () => {
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LocalHost:${port}`]) {
    const page = await get(port, '/', host);
    assert.equal(page.status, 200, host);
    assert.match(page.body, /^\s*<!doctype html>/i, host);
    assertNoCors(page, host);
    const events = await get(port, '/events', host);
    assert.equal(events.status, 200, host);
    assert.equal(events.headers['content-type'], 'text/event-stream', host);
    // No report yet: the run has not written one.
    const report = await get(port, '/report', host);
    assert.deepEqual([report.status, report.body], [404, 'not found'], host);
  }
});

test('any other Host, a wrong port or no Host at all gets 403 with a one-line body, on every path', async () => {
  const hosts: [string | null, string][] = [
    ['evil.example', 'another name'],
    [`evil.example:${port}`, 'another name on the right port (DNS rebinding)'],
    [`127.0.0.1:${port + 1 === 65536 ? port - 1 : port + 1}`, 'the wrong port'],
    [`localhost:${port}0`, 'a port with a digit more'],
    ['127.0.0.1', 'no port'],
    [`[::1]:${port}`, 'the IPv6 loopback, which the watch does not serve'],
    [`127.0.0.1.evil.example:${port}`, 'a name that starts like the address'],
    [`127.0.0.1:${port}@evil.example`, 'userinfo-like junk'],
    ['', 'an empty Host'],
    [null, 'no Host header'],
  ];
  for (const [host, what] of hosts)
    for (const path of ['/', '/events', '/report', '/nope']) {
      const r = await get(port, path, host);
      assert.deepEqual([r.status, r.body], [403, forbidden()], `${what} (${JSON.stringify(host)}) ${path}`);
      assert.equal(r.headers['content-type'], 'text/plain', what);
      assertNoCors(r, what);
    }
});

test('no CORS: a cross-origin request or preflight gets no Access-Control header, and a foreign Host 403', async () => {
  const origin = { origin: 'http://evil.example', 'access-control-request-method': 'GET' };
  const good = await get(port, '/', `127.0.0.1:${port}`, { headers: origin });
  assert.equal(good.status, 200);
  assertNoCors(good, 'GET with an Origin');
  const preflight = await get(port, '/', `127.0.0.1:${port}`, { method: 'OPTIONS', headers: origin });
  assertNoCors(preflight, 'OPTIONS preflight');
  const rebound = await get(port, '/', `evil.example:${port}`, { method: 'OPTIONS', headers: origin });
  assert.equal(rebound.status, 403);
  assertNoCors(rebound, 'preflight through a foreign Host');
});

test('path traversals get 404 (with the right Host) and serve no file', async () => {
  for (const path of [
    '/../../../../etc/passwd',
    '/..%2f..%2f..%2fetc%2fpasswd',
    '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/report/../../../../etc/passwd',
    '/report/..%2f..%2fpackage.json',
    '//etc/passwd',
    '/events/../../etc/passwd',
    '/\\..\\..\\etc\\passwd',
    '/live.json',
    '/index.html',
  ]) {
    const r = await get(port, path, `127.0.0.1:${port}`);
    assert.deepEqual([r.status, r.body], [404, 'not found'], path);
  }
});

test('the IPv6 loopback is not served: the watch listens on 127.0.0.1 only', async () => {
  await assert.rejects(get(port, '/', `[::1]:${port}`, { address: '::1' }), (err: NodeJS.ErrnoException) => {
    assert.ok(
      ['ECONNREFUSED', 'EADDRNOTAVAIL', 'ENETUNREACH', 'EAFNOSUPPORT'].includes(err.code ?? ''),
      `connecting to [::1]:${port}: ${err.code}`,
    );
    return true;
  });
});
