import * as vscode from 'vscode';
import type { ExpectationProblem } from '../../core/alerts/expectations';
import type { NamedSettingProblem, SettingProblem } from '../../core/settings';
import { gotText, ruleProblemText } from './actions';
import { spanText } from './alerts';

/* Connection-setting problems from the core, in the UI's language. */

const t = vscode.l10n.t;

/** A problem of a connection setting, worded with the setting's name: `tdtp.redis.port: …`. */
export function namedSettingProblemText({ setting, problem }: NamedSettingProblem): string {
  return `${setting}: ${settingProblemText(problem)}`;
}

export function settingProblemText(p: SettingProblem): string {
  const [a = '', b = ''] = p.values;
  const got = p.got?.shown !== undefined && p.got.kind !== 'other' ? p.got.shown : gotText(p.got);
  const sentinel = p.setting === 'sentinels';
  const cluster = p.setting === 'clusterNodes';
  switch (p.code) {
    case 'urlNotText':
      return t('url must be text such as redis://host:6379/0');
    case 'urlInvalid':
      return t('"{0}" is not a URL; expected redis://[user[:password]@]host[:port][/db] or rediss://…', a);
    case 'urlScheme':
      return t('URL scheme "{0}" is not supported; use redis:// or rediss:// (TLS)', a);
    case 'urlNoHost':
      return t('URL "{0}" has no host', a);
    case 'urlDbPath':
      return t('URL path "{0}" must be a database number, such as /0', a);
    case 'urlHostEscape':
      return t('URL host in "{0}" has a malformed %-escape', a);
    case 'urlUserEscape':
      return t('URL user name has a malformed %-escape (write "%" as %25)');
    case 'urlPasswordEscape':
      return t('URL password has a malformed %-escape (write "%" as %25)');
    case 'passwordElsewhere':
      return t('the stored password was saved for {0}; it is not sent to {1}. Set the password again for this server, or point the connection back.', a, b);
    case 'passwordUnbound':
      return t('the stored password was saved for no server, and the workspace settings point this connection at {0}; it is not sent there unless you agree. Set the password again for this server, or remove the workspace setting.', a);
    case 'urlUserinfoUnescaped':
      return t('URL "{0}": the user name or password holds / ? # or @ — write them as %2F %3F %23 %40', a);
    case 'hostEmpty':
      return t('host must not be empty');
    case 'hostInvalid':
      return t('host "{0}" is not a host name or address (it contains a space or a slash)', a);
    case 'notPort':
      return t('the port is {0}; it must be a number from {1} to {2}', got, a, b);
    case 'notDb':
      return t('the database is {0}; it must be a number from {1} upwards', got, a);
    case 'prefixEmpty':
      return t('the key prefix must not be empty');
    case 'prefixColon':
      return t('the key prefix "{0}" must not end with ":" (it is added)', a);
    case 'notText':
      return t('must be text');
    case 'notBoolean':
      return t('must be true or false');
    case 'notNodeList':
      return t('must be a list of host:port, such as ["10.0.0.1:{0}", "10.0.0.2:{0}"]', a);
    case 'nodeNotHostPort':
      return sentinel ? t('sentinel {0} is not host:port', a) : cluster ? t('cluster node {0} is not host:port', a) : t('address {0} is not host:port', a);
    case 'nodeNoHost':
      return sentinel ? t('sentinel {0} has no host', a) : cluster ? t('cluster node {0} has no host', a) : t('address {0} has no host', a);
    case 'nodeBadHost':
      return sentinel ? t('sentinel {0}: "{1}" is not a host name or address', a, b) : cluster ? t('cluster node {0}: "{1}" is not a host name or address', a, b) : t('address {0}: "{1}" is not a host name or address', a, b);
    case 'nodeBadPort':
      return sentinel ? t('sentinel {0}: the port must be a number from 1 to 65535', a) : cluster ? t('cluster node {0}: the port must be a number from 1 to 65535', a) : t('address {0}: the port must be a number from 1 to 65535', a);
    case 'sentinelsAndCluster':
      return t('use either sentinels or cluster nodes, not both: a Redis Cluster does not use Sentinel');
    case 'sentinelNameMissing':
      return t('the master name (as in "sentinel monitor <name> …") is required when sentinels are set');
    case 'sentinelsMissing':
      return t('the master name "{0}" is set but no sentinel is: add at least one sentinel host:port, or clear the master name', a);
    case 'clusterDb':
      return t('db is {0}, but a Redis Cluster has only database 0', a);
    case 'unreadableFile':
      return t('cannot read the file "{0}" ({1})', a, b);
  }
}

/** A `tdtp.expectations` problem from the core, in the UI's language; `p.at` says where. */
export function expectationProblemText(p: ExpectationProblem): string {
  const [a = '', b = ''] = p.values;
  const got = gotText(p.got);
  const code = p.code;
  switch (code) {
    // Worded as the same problems in tdtp.actions are.
    case 'unknownField':
    case 'notGlob':
    case 'globLoneBackslash':
    case 'globReversedRange':
    case 'globUnclosedBracket':
      return ruleProblemText({ ...p, code });
    case 'notExpectations':
      return t('{0}: expected an array of expectations such as [{"resultName": "MASK_*", "every": "15m"}], got {1}', p.at, got);
    case 'tooManyExpectations':
      return t('{0}: {1} entries; only the first {2} are used', p.at, a, b);
    case 'notExpectation':
      return t('{0}: expected an object such as {"resultName": "MASK_*", "every": "15m"}, got {1}', p.at, got);
    case 'noSchedule':
      return t('{0}: expected one of {1}', p.at, a);
    case 'manySchedules':
      return t('{0}: expected exactly one of {1}, got {2}', p.at, a, b);
    case 'timeZoneWithoutCron':
      return t('{0}: only allowed with "cron"', p.at);
    case 'notScheduleText':
      return t('{0}: expected text, got {1}', p.at, got);
    case 'notGrace':
      return t('{0}: expected a duration such as "5m", got {1}', p.at, got);
    case 'durationTooLong':
      return t('{0}: {1} characters long; a duration is at most {2}', p.at, a, b);
    case 'durationEmpty':
      return t('{0}: empty; expected a duration such as "15m" or "@every 15s"', p.at);
    case 'notDuration':
      return t('{0}: "{1}" is not a duration at "{2}"; expected forms such as "15m", "1h30m", "90s" or "@every 15s"', p.at, a, b);
    case 'durationOverflow':
      return t('{0}: "{1}" is too long a duration', p.at, a);
    case 'periodTooShort':
      return t('{0}: "{1}" is shorter than the shortest period, {2}', p.at, a, spanText(Number(b)));
    case 'cronTooLong':
      return t('{0}: {1} characters long; a cron expression is at most {2}', p.at, a, b);
    case 'notTimeZone':
      return t('{0}: {1} is not a time zone; expected a name such as "Europe/Moscow" or "UTC"', p.at, got);
    case 'cronNeverFires':
      return t('{0}: "{1}" never fires', p.at, a);
    case 'notCron':
      return t('{0}: "{1}" is not a cron expression ({2})', p.at, a, b);
  }
}
