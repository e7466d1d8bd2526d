// A job as the server sends it, defaults plus overrides, through the core's normalization.
import { job } from '../../src/core/orchestrator/normalize';
import type { Job } from '../../src/core/orchestrator/types';

export function shapeJob(overrides: Record<string, unknown>): Job {
  const shaped = job({ id: 'j', scenario: 's', params: null, status: 'done', started_at: '2026-12-06T20:00:00Z', ...overrides });
  if (!shaped) throw new Error(`not a job: ${JSON.stringify(overrides)}`);
  return shaped;
}
