import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** A Nest guard's entry point: every guard implements it, Passport's `AuthGuard` and the library's alike. */
const GUARD_ENTRY = 'canActivate';

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  /** `function (file:line)`, the file relative to node_modules or the project. */
  readonly frame: string;
  readonly share: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** The frames with the most self time, largest first. */
  readonly frames: SelfTime[];
  /** Self time by where the code lives: a package of node_modules, the library, Node's internals, V8 (GC, idle). */
  readonly places: SelfTime[];
  /**
   * Time with a guard's `canActivate` on the stack (an async guard's resumed
   * part included): what a request's guards cost inside the server, with
   * its cache misses, which a loop calling the guard alone does not see.
   */
  readonly insideGuardsMs: number;
}

/** Self time by frame and by package of a V8 CPU profile (`node --cpu-prof`), idle time left out. */
export async function summarizeCpuProfile(path: string, top = 15): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const isInsideGuard = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) if (byId.get(at)!.callFrame.functionName === GUARD_ENTRY) return true;
    return false;
  };
  let insideGuards = 0;
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const frames = new Map<string, number>();
  const places = new Map<string, number>();
  let total = 0;
  for (const [id, micros] of selfMicros) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    total += micros;
    if (isInsideGuard(id)) insideGuards += micros;
    const file = shortFile(url);
    const frame = url ? `${functionName || '(anonymous)'} (${file}:${lineNumber + 1})` : functionName;
    frames.set(frame, (frames.get(frame) ?? 0) + micros);
    const place = placeOf(url, functionName);
    places.set(place, (places.get(place) ?? 0) + micros);
  }
  const ranked = (entries: Map<string, number>) =>
    [...entries].sort((a, b) => b[1] - a[1]).slice(0, top).map(([frame, micros]) => ({ frame, share: micros / total }));
  return { totalMs: total / 1000, frames: ranked(frames), places: ranked(places), insideGuardsMs: insideGuards / 1000 };
}

function shortFile(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const build = url.indexOf('/.build/');
  return build >= 0 ? url.slice(build + '/.build/'.length) : url.replace(/^file:\/\//, '');
}

function placeOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? `V8 ${functionName}` : 'V8 builtins';
  if (url.startsWith('node:')) return 'Node internals';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const [scopeOrName, name] = url.slice(modules + 'node_modules/'.length).split('/');
    return scopeOrName!.startsWith('@') ? `${scopeOrName}/${name}` : scopeOrName!;
  }
  if (url.includes('/.build/src/')) return 'nestjs-token-tracking';
  return 'bench application';
}
