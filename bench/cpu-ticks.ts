// CPU clock ticks from Linux's /proc, which the benches read before and after they measure to say
// how busy the machine was meanwhile (other processes' share is the disturbance of their figures).
import { readFileSync } from 'node:fs';

/**
 * CPU clock ticks (Linux: /proc/stat, /proc/self/stat): all CPUs' busy and total time, and this
 * process's with its finished children's. Busy ticks that are not ours are other processes' (or
 * the hypervisor's, "steal"): the disturbance of the figures. null where /proc is absent.
 */
export function cpuTicks(): { busy: number; total: number; ours: number } | null {
  try {
    const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const self = readFileSync('/proc/self/stat', 'utf8');
    const f = self
      .slice(self.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number); // f[0] is field 3 (state)
    const busy = user + nice + system + irq + softirq + (steal || 0);
    return { busy, total: busy + idle + iowait, ours: f[11] + f[12] + f[13] + f[14] }; // utime stime cutime cstime
  } catch {
    return null;
  }
}
