import * as vscode from 'vscode';
import type { SettingProblem } from '../core/settings';
import { gotText } from './actionWords';

/* Connection-setting problems from the core, in the UI's language. */

const t = vscode.l10n.t;

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
