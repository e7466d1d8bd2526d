// How the bench starts its processes (publisher, memory child, flood, tree and orchestrator
// children): the bundles scripts/bench.mjs writes beside each other, or, when the bench runs from
// the sources (`node --import tsx bench/run.ts`), the TypeScript files under tsx.
import { join } from 'node:path';

const FROM_SOURCES = __filename.endsWith('.ts');

/** The file that runs the bench's process `name`, and the Node options it needs. */
export function benchProcess(name: string, execArgv: readonly string[] = []): { file: string; execArgv: string[] } {
  return { file: join(__dirname, `${name}${FROM_SOURCES ? '.ts' : '.js'}`), execArgv: [...execArgv, ...(FROM_SOURCES ? ['--import', 'tsx'] : [])] };
}
