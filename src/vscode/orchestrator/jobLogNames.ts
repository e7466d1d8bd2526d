// The names of a job-log document: a leaf, so the loader (always loaded) and the job-log provider
// (in the orchestrator's bundle) share them.

export const JOB_LOG_SCHEME = 'tdtp-orchestrator-job';
/** package.json contributes it with `editor.links` off. */
export const JOB_LOG_LANGUAGE = 'tdtp-orchestrator-log';

/** The manifest gives this extension to JOB_LOG_LANGUAGE: a tab restored after a reload keeps it (a `.log` would get the built-in `log` language, links on). */
export const JOB_LOG_EXTENSION = '.tdtp-job-log';
