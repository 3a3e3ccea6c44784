/**
 * The diff-guided merge editor's one operation: put theirs at a JSON path of the edited resource
 * (`name[0].given[1]`, as src-main/sync/diff.ts writes paths), or remove the path when theirs has
 * nothing there.
 */

type Step = string | number;

/** `a.b[0].c` → ['a', 'b', 0, 'c']; undefined for a path this grammar does not produce. */
export function parsePath(path: string): Step[] | undefined {
  const steps: Step[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]/g;
  let consumed = 0;
  for (let m = re.exec(path); m; m = re.exec(path)) {
    if (m.index !== consumed && !(path[consumed] === '.' && m.index === consumed + 1)) return undefined;
    steps.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
    consumed = m.index + m[0].length;
  }
  return consumed === path.length && steps.length > 0 ? steps : undefined;
}

type Container = Record<string, unknown> | unknown[];

const isContainer = (v: unknown): v is Container => typeof v === 'object' && v !== null;

/** A copy of `root` with `value` at `path` (missing containers made on the way); `undefined` removes it. */
export function setAtPath(root: unknown, path: string, value: unknown): unknown {
  const steps = parsePath(path);
  if (!steps || !isContainer(root)) throw new Error(`Cannot apply ${path}`);
  const copy = structuredClone(root) as Container;
  let node: Container = copy;
  for (let i = 0; i < steps.length - 1; i++) {
    const step = steps[i]!;
    const next = (node as Record<string | number, unknown>)[step];
    if (isContainer(next)) node = next;
    else {
      const made: Container = typeof steps[i + 1] === 'number' ? [] : {};
      (node as Record<string | number, unknown>)[step] = made;
      node = made;
    }
  }
  const last = steps[steps.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1);
    else delete (node as Record<string | number, unknown>)[last];
  } else {
    (node as Record<string | number, unknown>)[last] = structuredClone(value);
  }
  return copy;
}
