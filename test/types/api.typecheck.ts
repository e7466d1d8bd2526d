// Compile-time test, run by `npm run typecheck` (tsc includes test/**): fails when the API file other
// extensions copy (api/tdtp-pipeline-viewer.d.ts) drifts from what activate() really returns
// (src/vscode/api.ts). Every public type must be identical both ways, optional fields included.
import type * as Copy from '../../api/tdtp-pipeline-viewer';
import type * as Src from '../../src/vscode/api';
import type { DqVerdict } from '../../src/core/dataQuality';
import type { StatusKind, TdtpResult } from '../../src/core/decode';

/** True only when A and B are the same type (not merely assignable: an extra optional field differs). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

export type ApiChecks = [
  Assert<Same<Copy.TdtpViewerApi, Src.TdtpViewerApi>>,
  Assert<Same<Copy.PipelineEvent, Src.PipelineEvent>>,
  Assert<Same<Copy.PolledState, Src.PolledState>>,
  Assert<Same<Copy.ConnectionInfo, Src.ConnectionInfo>>,
  Assert<Same<Copy.TdtpResult, TdtpResult>>,
  Assert<Same<Copy.StatusKind, StatusKind>>,
  Assert<Same<Copy.DqVerdict, DqVerdict>>,
  Assert<Same<Copy.OrchestratorJob, Src.OrchestratorJob>>,
  Assert<Same<Copy.OrchestratorJobsChange, Src.OrchestratorJobsChange>>,
];

// And plainly both ways, for a readable error message when one of the above fails.
export const toCopy = (api: Src.TdtpViewerApi): Copy.TdtpViewerApi => api;
export const fromCopy = (api: Copy.TdtpViewerApi): Src.TdtpViewerApi => api;
