// The watch page's server: 127.0.0.1 on a free port; `/` is the page (Vega and its script inline),
// `/events` streams the run's view (view.ts) as server-sent events whenever live.json changes, and
// `/report` serves report.html once the run wrote it. It ends when the run does (after the pages
// open have fetched the report), or when stop() is called. It answers only requests addressed to
// itself (Host 127.0.0.1:PORT or localhost:PORT), so a page elsewhere cannot read the run through
// DNS rebinding, and it sends no CORS headers.
import { createServer, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { pageAssets } from '../report/html.ts';
import { renderHtmlTemplate, TEMPLATES } from '../report/render.ts';
import { join } from 'node:path';
import type { RunStore, StoredTrial, TrialRef } from '../store/store.ts';
import { readLive, writerAlive, type LiveState } from './live.ts';
import { watchView, type Phase, type WatchView } from './view.ts';

const POLL_MS = 400;
/** How long a finished run's server waits for open pages to fetch the report. */
const REPORT_GRACE_MS = 10_000;

export interface Watch {
  url: string;
  /** Resolves when the server has closed: the run ended and pages got the report, or stop(). */
  done: Promise<void>;
  stop(): void;
}

/** A run's phase from its live status; a status older than the watch belongs to an earlier run. */
function phaseOf(live: LiveState | null, since: string, seen: boolean): Phase {
  if (!live || (!seen && live.startedAt < since && live.state !== 'running')) return 'waiting';
  if (live.state !== 'running') return live.state;
  if (writerAlive(live)) return 'running';
  return seen ? 'stopped' : 'waiting';
}

/**
 * Whether a request's Host header names this server: 127.0.0.1 or localhost on its port. Anything
 * else (another name that resolves here, as in DNS rebinding, another port, no Host) is refused.
 */
export function ownHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const h = host.toLowerCase();
  return h === `127.0.0.1:${port}` || h === `localhost:${port}`;
}

export async function startWatch(opts: {
  store: RunStore;
  experiment: string;
  file: string;
  title: string;
  since?: string;
}): Promise<Watch> {
  const { store, experiment, file } = opts;
  const since = opts.since ?? new Date().toISOString();
  const watchScript = readFileSync(join(TEMPLATES, 'interactive', 'watch.js'), 'utf8');
  const page = renderHtmlTemplate('interactive/watch.html.njk', {
    title: `${opts.title} — nnlab watch`,
    watch: watchScript,
    ...pageAssets(),
  });
  const clients = new Set<ServerResponse>();
  let view: WatchView | null = null;
  let json = '';
  let seen = false;
  let live: LiveState | null = null;

  // Stored trials do not change: read each once.
  const cache = new Map<string, StoredTrial | null>();
  const reader: Pick<RunStore, 'read'> = {
    read(ref: TrialRef) {
      const hash = ref.hash;
      if (!cache.has(hash)) {
        const s = store.read(ref);
        const curves = s ? s.curves() : [];
        cache.set(hash, s && { ...s, curves: () => curves });
      }
      return cache.get(hash)!;
    },
  };

  let port = 0;
  const send = (res: ServerResponse) => res.write(`event: state\ndata: ${json}\n\n`);

  // requireHostHeader off: a request without Host gets the same 403 as a foreign one, not node's bare 400.
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    if (!ownHost(req.headers.host, port)) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end(`forbidden: this page answers only http://127.0.0.1:${port}/ and http://localhost:${port}/\n`);
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(page);
    } else if (path === '/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      clients.add(res);
      req.on('close', () => clients.delete(res));
      if (json) send(res);
    } else if (path === '/report' && live?.report) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(readFileSync(live.report));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', () => ok()));
  port = (server.address() as AddressInfo).port;

  let finish!: () => void;
  let failed!: (err: unknown) => void;
  const done = new Promise<void>((ok, fail) => ((finish = ok), (failed = fail)));
  let timer: NodeJS.Timeout | null = null;
  let endedAt = 0;
  const close = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    for (const c of clients) c.end();
    server.close(() => finish());
    server.closeAllConnections();
  };

  let polling = false;
  const poll = async () => {
    timer = null;
    if (polling) return;
    polling = true;
    try {
      live = readLive(store.root);
      const phase = phaseOf(live, since, seen);
      if (phase === 'running') seen = true;
      const next = await watchView(phase, experiment, file, phase === 'waiting' ? null : live, reader);
      const text = JSON.stringify(next);
      if (text !== json) {
        json = text;
        view = next;
        for (const c of clients) send(c);
      }
      if (phase !== 'waiting' && phase !== 'running') {
        endedAt ||= Date.now();
        // Pages navigate to /report when told it is ready; wait for them (a page's EventSource closes when it leaves).
        const waiting = view!.report && clients.size > 0 && Date.now() - endedAt < REPORT_GRACE_MS;
        if (!waiting) return close();
      }
    } finally {
      polling = false;
    }
    // A later poll's failure ends the watch through `done` (the CLI's error path), not as an unhandled rejection.
    timer = setTimeout(() => {
      poll().catch((err: unknown) => {
        close();
        failed(err);
      });
    }, POLL_MS);
  };
  await poll();
  return { url: `http://127.0.0.1:${port}/`, done, stop: close };
}
