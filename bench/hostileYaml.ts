// Bench rows 8d–8g: pipeline files shaped to cost time, as a repository could ship them. Each is
// parsed as the index and CodeLens parse it (src/core/pipelineFiles.ts); the figure is the time of
// one parse (or, for the template, one result name matched against it).
import { parsePipelineFile, publishesTo } from '../src/core/pipelineFiles';

export interface HostileYamlFigure {
  readonly id: string;
  readonly what: string;
  /** Milliseconds per parse (or per match), one value per round. */
  readonly ms: number[];
}

/** Anchors merging lists of aliases to the anchor before them (365 bytes took a minute before). */
function mergeBomb(levels: number, width: number): string {
  const aliases = (i: number) => Array(width).fill(`*a${i}`).join(', ');
  const lines = ['a0: &a0 { x: 1 }'];
  for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} { <<: [${aliases(i - 1)}] }`);
  lines.push(`result_log: { <<: [${aliases(levels)}], type: redis, name: BOMB }`);
  return `${lines.join('\n')}\n`;
}

function timed(rounds: number, repeat: number, work: () => void): number[] {
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    for (let i = 0; i < repeat; i++) work();
    out.push((performance.now() - start) / repeat);
  }
  return out;
}

export function measureHostilePipelineFiles(rounds: number): HostileYamlFigure[] {
  const bomb = mergeBomb(8, 4);
  const wide = `a: &a { x: 1 }\nresult_log:\n  <<: [${Array(4000).fill('*a').join(', ')}]\n  type: redis\n  name: WIDE\n`;
  const keys: string[] = ['result_log: { type: redis, name: KEYS }', 'lookup:'];
  for (let i = 0; Buffer.byteLength(keys.join('\n')) < 500 * 1024; i++) keys.push(`  k${i}: ${i}`);
  const flat = `${keys.join('\n')}\n`;
  const [template] = parsePipelineFile(`result_log: { type: redis, name: "${'{{V}}'.repeat(12)}x" }`).definitions;
  const name = 'a'.repeat(256);
  return [
    { id: '8d', what: `Parse a ${Buffer.byteLength(bomb)}-byte merge bomb (8 levels of anchors merging 4 aliases each)`, ms: timed(rounds, 20, () => parsePipelineFile(bomb)) },
    { id: '8e', what: '… a result_log merging 4,000 aliases (skipped as too-complex)', ms: timed(rounds, 5, () => parsePipelineFile(wide)) },
    { id: '8f', what: `… a ${Math.round(Buffer.byteLength(flat) / 1024)} KB map of ${(keys.length - 2).toLocaleString('en-US')} distinct keys (the parser's duplicate check was quadratic)`, ms: timed(rounds, 1, () => parsePipelineFile(flat)) },
    { id: '8g', what: '… match a 256-character result name against a template of 12 placeholders in a row', ms: timed(rounds, 1000, () => publishesTo(template, name)) },
  ];
}
