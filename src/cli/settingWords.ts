import type { SettingProblem } from '../core/settings';
import type { Got } from '../core/validate';

/* The terminal tools' English for settings problems (the extension words them through vscode.l10n). */

function gotText(got: Got | undefined): string {
  if (got?.shown !== undefined && got.kind !== 'other') return got.shown;
  switch (got?.kind) {
    case 'null':
      return 'null';
    case 'array':
      return 'an array';
    case 'object':
      return 'an object';
    default:
      return 'nothing';
  }
}

export function settingProblemText(p: SettingProblem): string {
  const [a = '', b = ''] = p.values;
  const node = p.setting === 'sentinels' ? 'sentinel' : p.setting === 'clusterNodes' ? 'cluster node' : 'address';
  switch (p.code) {
    case 'urlNotText':
      return 'url must be text such as redis://host:6379/0';
    case 'urlInvalid':
      return `"${a}" is not a URL; expected redis://[user[:password]@]host[:port][/db] or rediss://…`;
    case 'urlScheme':
      return `URL scheme "${a}" is not supported; use redis:// or rediss:// (TLS)`;
    case 'urlNoHost':
      return `URL "${a}" has no host`;
    case 'urlDbPath':
      return `URL path "${a}" must be a database number, such as /0`;
    case 'urlHostEscape':
      return `URL host in "${a}" has a malformed %-escape`;
    case 'urlUserEscape':
      return 'URL user name has a malformed %-escape (write "%" as %25)';
    case 'urlPasswordEscape':
      return 'URL password has a malformed %-escape (write "%" as %25)';
    case 'passwordElsewhere':
      return `the stored password was saved for ${a}; it is not sent to ${b}`;
    case 'passwordUnbound':
      return `the stored password was saved for no server; it is not sent to ${a}`;
    case 'urlUserinfoUnescaped':
      return `URL "${a}": the user name or password holds / ? # or @ — write them as %2F %3F %23 %40`;
    case 'hostEmpty':
      return 'host must not be empty';
    case 'hostInvalid':
      return `host "${a}" is not a host name or address (it contains a space or a slash)`;
    case 'notPort':
      return `${p.setting} is ${gotText(p.got)}; it must be a port number from ${a} to ${b}`;
    case 'notDb':
      return `${p.setting} is ${gotText(p.got)}; it must be a database number from ${a} upwards`;
    case 'prefixEmpty':
      return 'the key prefix must not be empty';
    case 'prefixColon':
      return `the key prefix "${a}" must not end with ":" (it is added)`;
    case 'notText':
      return `${p.setting} must be text`;
    case 'notBoolean':
      return `${p.setting} must be true or false`;
    case 'notNodeList':
      return `${p.setting} must be a list of host:port, such as ["10.0.0.1:${a}", "10.0.0.2:${a}"]`;
    case 'nodeNotHostPort':
      return `${node} ${a} is not host:port`;
    case 'nodeNoHost':
      return `${node} ${a} has no host`;
    case 'nodeBadHost':
      return `${node} ${a}: "${b}" is not a host name or address`;
    case 'nodeBadPort':
      return `${node} ${a}: the port must be a number from 1 to 65535`;
    case 'sentinelsAndCluster':
      return 'use either sentinels or cluster nodes, not both: a Redis Cluster does not use Sentinel';
    case 'sentinelNameMissing':
      return 'the master name (as in "sentinel monitor <name> …") is required when sentinels are set';
    case 'sentinelsMissing':
      return `the master name "${a}" is set but no sentinel is: add at least one sentinel host:port, or clear the master name`;
    case 'clusterDb':
      return `db is ${a}, but a Redis Cluster has only database 0`;
    case 'unreadableFile':
      return `cannot read the file "${a}" (${b})`;
  }
}
