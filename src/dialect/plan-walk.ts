/** Walks a parsed plan (objects and arrays) until `hit` says yes. */
export function planHas(plan: unknown, hit: (node: Record<string, unknown>) => boolean): boolean {
  let found = false;
  const walk = (node: unknown): void => {
    if (found || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    const o = node as Record<string, unknown>;
    if (hit(o)) found = true;
    Object.values(o).forEach(walk);
  };
  walk(plan);
  return found;
}
