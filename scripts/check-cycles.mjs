// Fails when the import graph of src/ has a cycle, type-only imports included: shared shapes
// belong in leaf modules (README, "Architecture"). Prints each cycle once, as its set of files.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

// `import … from './x'`, `export … from './x'`, `import('./x')` and `import './x'`: relative ones only.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*)\1/g;

function resolveImport(from, spec) {
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

const all = files(src);
const edges = new Map(all.map((file) => [file, []]));
for (const file of all) {
  for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
    const target = resolveImport(file, match[2]);
    if (target !== undefined && edges.has(target)) edges.get(file).push(target);
  }
}

// Tarjan's strongly connected components: a component of more than one file, or a file that
// imports itself, is a cycle.
let counter = 0;
const indexOf = new Map();
const lowOf = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
function visit(node) {
  indexOf.set(node, counter);
  lowOf.set(node, counter);
  counter++;
  stack.push(node);
  onStack.add(node);
  for (const next of edges.get(node)) {
    if (!indexOf.has(next)) {
      visit(next);
      lowOf.set(node, Math.min(lowOf.get(node), lowOf.get(next)));
    } else if (onStack.has(next)) lowOf.set(node, Math.min(lowOf.get(node), indexOf.get(next)));
  }
  if (lowOf.get(node) !== indexOf.get(node)) return;
  const component = [];
  let member;
  do {
    member = stack.pop();
    onStack.delete(member);
    component.push(member);
  } while (member !== node);
  if (component.length > 1 || edges.get(node).includes(node)) cycles.push(component);
}
for (const file of all) if (!indexOf.has(file)) visit(file);

if (cycles.length === 0) {
  console.log(`[check-cycles] no import cycle in the ${all.length} files of src/`);
} else {
  console.error(`[check-cycles] ${cycles.length} import cycle(s) in src/ (type imports count: move the shared shapes to a leaf module):`);
  for (const cycle of cycles) console.error(`  - ${cycle.map((f) => relative(root, f)).sort().join(', ')}`);
  process.exit(1);
}
