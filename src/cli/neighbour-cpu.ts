/**
 * How much of the machine's CPU other processes used during a run, from
 * Linux's /proc/stat (every CPU's busy time) minus /proc/self/stat (this
 * process, agent threads included), both in clock ticks. A gate figure from a
 * run where a neighbour took half the machine is a figure of that machine
 * state, and the report says so beside it. Elsewhere (no /proc) it is
 * undefined: the report records null rather than a guess.
 */
import { readFileSync } from 'node:fs';

interface Sample {
  busyTicks: number;
  totalTicks: number;
  selfTicks: number;
}

function sample(): Sample | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const fields = cpu.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is already inside user.
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    const self = readFileSync('/proc/self/stat', 'utf8');
    // The command name may hold spaces and parentheses: fields are counted after the last ')'.
    const rest = self.slice(self.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    const busyTicks = user + nice + system + irq + softirq + steal;
    if (![busyTicks, utime, stime].every(Number.isFinite)) return undefined;
    return { busyTicks, totalTicks: busyTicks + idle + iowait, selfTicks: utime + stime };
  } catch {
    return undefined;
  }
}

/** Starts measuring; `stop()` gives other processes' share of all CPUs in percent (0..100), or undefined. */
export function neighbourCpuMeter(): { stop: () => number | undefined } {
  const start = sample();
  return {
    stop: () => {
      const end = sample();
      if (start === undefined || end === undefined) return undefined;
      const total = end.totalTicks - start.totalTicks;
      if (total <= 0) return undefined;
      const others = end.busyTicks - start.busyTicks - (end.selfTicks - start.selfTicks);
      // Tick rounding can put a quiet run a tick below zero.
      return Math.min(100, Math.max(0, (others / total) * 100));
    },
  };
}
