// A real single-node Slurm for the --executor slurm tests: its own munge key and socket, slurm.conf,
// state, spool and log folders under a temporary folder, its own ports; started as root (munged as
// the munge user), stopped afterwards. `skipReason` says why it cannot run here, for a visible skip.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname, tmpdir, totalmem } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface Cluster {
  dir: string;
  /** Environment that points Slurm's commands at this cluster (SLURM_CONF). */
  env: Record<string, string>;
  stop(): void;
}

const BINARIES = ['munged', 'mungekey', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scontrol', 'scancel'];

function which(cmd: string): boolean {
  return (
    spawnSync('sh', ['-c', `command -v ${cmd}`], { env: { PATH: `${process.env.PATH}:/usr/sbin:/sbin` } }).status === 0
  );
}

/** Why the tests cannot start a cluster here, or null when they can. */
export function skipReason(): string | null {
  const missing = BINARIES.filter((b) => !which(b));
  if (missing.length)
    return `Slurm is not installed here (missing ${missing.join(', ')}; scripts/setup.sh installs slurmctld slurmd slurm-client munge)`;
  if (process.getuid?.() !== 0)
    return 'starting a Slurm cluster needs root (slurmd and munged), and these tests do not run as root';
  const munge = spawnSync('id', ['-u', 'munge']);
  if (munge.status !== 0) return 'there is no munge user (the munge package creates it)';
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startCluster(): Promise<Cluster> {
  // Not a fixtures.ts temporary folder: that one is removed before the cluster is stopped.
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-slurm-'));
  chmodSync(dir, 0o755); // the munge user must reach its folder inside
  const uid = Number(execFileSync('id', ['-u', 'munge']).toString());
  const gid = Number(execFileSync('id', ['-g', 'munge']).toString());
  const munge = join(dir, 'munge');
  mkdirSync(munge);
  chownSync(munge, uid, gid);
  for (const d of ['state', 'spool', 'log']) mkdirSync(join(dir, d));
  const key = join(munge, 'munge.key');
  execFileSync('mungekey', ['-c', '-k', key]);
  chownSync(key, uid, gid);
  chmodSync(key, 0o400);
  const socket = join(munge, 'munge.socket');
  execFileSync('su', [
    '-s',
    '/bin/sh',
    'munge',
    '-c',
    `munged --socket=${socket} --key-file=${key} --log-file=${munge}/munged.log --pid-file=${munge}/munged.pid --seed-file=${munge}/munged.seed`,
  ]);

  const host = hostname().split('.')[0];
  const [ctld, d] = [await freePort(), await freePort()];
  const memory = Math.floor((totalmem() / 2 ** 20) * 0.8);
  const conf = join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    `# nnlab test cluster (test/runner/slurm-cluster.ts)
ClusterName=nnlab${process.pid}
SlurmctldHost=${host}(127.0.0.1)
SlurmctldPort=${ctld}
SlurmdPort=${d}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${socket}
SlurmUser=root
SlurmdUser=root
StateSaveLocation=${dir}/state
SlurmdSpoolDir=${dir}/spool
SlurmctldPidFile=${dir}/slurmctld.pid
SlurmdPidFile=${dir}/slurmd.pid
SlurmctldLogFile=${dir}/log/slurmctld.log
SlurmdLogFile=${dir}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=500
SchedulerParameters=sched_interval=1
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=600
KillWait=5
InactiveLimit=0
NodeName=${host} CPUs=${cpus().length} RealMemory=${memory} State=UNKNOWN
PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP
`,
  );
  const env = { SLURM_CONF: conf };
  const run = (cmd: string, args: string[]) =>
    execFileSync(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  run('slurmctld', []);
  run('slurmd', []);
  // The daemons by pid (read once they are up): `scontrol shutdown` alone was seen to leave them.
  let pids: number[] = [];
  const killDaemons = () => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', killDaemons);
  const stop = () => {
    // Cancel every job and wait (up to 30 s) until none is left, so no task writes after this.
    spawnSync('scancel', ['--full', '--user=root'], { env: { ...process.env, ...env } });
    for (let i = 0; i < 150; i++) {
      const q = spawnSync('squeue', ['-h'], { env: { ...process.env, ...env } });
      if (q.status !== 0 || !String(q.stdout).trim()) break;
      spawnSync('sleep', ['0.2']);
    }
    spawnSync('scontrol', ['shutdown'], { env: { ...process.env, ...env } });
    killDaemons();
    spawnSync('sleep', ['0.5']); // the daemons close their files
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready once the node is idle.
  for (let i = 0; i < 100; i++) {
    const r = spawnSync('sinfo', ['-h', '-o', '%t'], { env: { ...process.env, ...env } });
    if (r.status === 0 && /idle/.test(String(r.stdout))) {
      pids = [`${dir}/slurmctld.pid`, `${dir}/slurmd.pid`, `${munge}/munged.pid`].map((f) =>
        Number(readFileSync(f, 'utf8')),
      );
      return { dir, env, stop };
    }
    await sleep(200);
  }
  pids = [`${dir}/slurmctld.pid`, `${dir}/slurmd.pid`, `${munge}/munged.pid`]
    .filter(existsSync)
    .map((f) => Number(readFileSync(f, 'utf8')));
  const logs = ['slurmctld.log', 'slurmd.log']
    .map((f) => join(dir, 'log', f))
    .filter(existsSync)
    .map((f) => readFileSync(f, 'utf8').slice(-2000));
  stop();
  throw new Error(`the test cluster's node did not come up within 20 s\n${logs.join('\n')}`);
}
