// The hand-written lists of setting names and the core's defaults, checked against package.json:
// a setting added, renamed or re-defaulted in the manifest without them fails here.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { STRICT_TOLERANCE } from '../../src/core/dataQuality';
import { DEFAULT_HOST, DEFAULT_PORT, DEFAULT_PREFIX } from '../../src/core/settings';
import { DEFAULT_HISTORY_SIZE, DEFAULT_LIMITS } from '../../src/core/storeLimits';
import { CONNECTION_FIELDS, CONNECTION_SECTIONS, MODEL_KEYS, NOTIFICATION_KEYS, USER_ONLY_WHEN_UNTRUSTED } from '../../src/vscode/settings/settingKeys';
import { ENDPOINT_FIELDS } from '../../src/core/orchestrator/endpointSources';

interface Property {
  default?: unknown;
  items?: { properties?: Record<string, Property> };
  properties?: Record<string, unknown>;
}
const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
const configuration = manifest.contributes.configuration;
const properties: Record<string, Property> = Object.assign({}, ...(Array.isArray(configuration) ? configuration : [configuration]).map((c: { properties: object }) => c.properties));
const restricted: string[] = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
const defaultOf = (key: string) => {
  assert.ok(key in properties, `${key} is in package.json`);
  return properties[key].default;
};

describe('setting lists against package.json', () => {
  it('CONNECTION_FIELDS lists exactly the tdtp.redis.* settings', () => {
    const listed = CONNECTION_FIELDS.map((f) => `tdtp.redis.${f.setting}`).sort();
    const declared = Object.keys(properties).filter((k) => k.startsWith('tdtp.redis.')).sort();
    assert.deepEqual(listed, declared);
  });

  it('a tdtp.connections entry takes the same fields, plus its name and its orchestrator', () => {
    const entry = Object.keys(properties['tdtp.connections'].items?.properties ?? {}).sort();
    assert.deepEqual(entry, ['name', 'orchestrator', ...CONNECTION_FIELDS.map((f) => f.setting)].sort());
  });

  it('an orchestrator takes the same fields in tdtp.orchestrator.* and in a connection entry, each restricted', () => {
    const inEntry = Object.keys(properties['tdtp.connections'].items?.properties?.orchestrator?.properties ?? {}).sort();
    assert.deepEqual(inEntry, [...ENDPOINT_FIELDS].sort());
    for (const field of ENDPOINT_FIELDS) {
      assert.ok(properties[`tdtp.orchestrator.${field}`], `tdtp.orchestrator.${field} exists`);
      assert.ok(restricted.includes(`tdtp.orchestrator.${field}`), `tdtp.orchestrator.${field} is restricted`);
    }
  });

  it('every connection setting is a restricted configuration (ignored in an untrusted workspace)', () => {
    for (const field of CONNECTION_FIELDS) assert.ok(restricted.includes(`tdtp.redis.${field.setting}`), `tdtp.redis.${field.setting} is restricted`);
    assert.ok(restricted.includes('tdtp.connections'));
    for (const section of CONNECTION_SECTIONS) assert.ok(Object.keys(properties).some((k) => k === section || k.startsWith(`${section}.`)), `${section} exists`);
  });

  it('the notification and model keys exist, and are all read from user settings only when untrusted', () => {
    const keys = [...Object.values(NOTIFICATION_KEYS), ...Object.values(MODEL_KEYS)];
    for (const key of keys) assert.ok(`tdtp.${key}` in properties, `tdtp.${key} is in package.json`);
    // Every notification and model setting in the manifest is covered, none forgotten.
    const declared = Object.keys(properties).filter((k) => /^tdtp\.(notifications|history|dataQuality|limits)\./.test(k));
    assert.deepEqual(declared.map((k) => k.slice('tdtp.'.length)).sort(), [...USER_ONLY_WHEN_UNTRUSTED].sort());
    // The manifest says so too, so the Settings editor marks them in an untrusted workspace.
    for (const key of USER_ONLY_WHEN_UNTRUSTED) assert.ok(restricted.includes(`tdtp.${key}`), `tdtp.${key} is restricted`);
  });

  it('the core\'s defaults are the manifest\'s', () => {
    assert.equal(DEFAULT_HOST, defaultOf('tdtp.redis.host'));
    assert.equal(DEFAULT_PORT, defaultOf('tdtp.redis.port'));
    assert.equal(DEFAULT_PREFIX, defaultOf('tdtp.redis.keyPrefix'));
    assert.equal(DEFAULT_HISTORY_SIZE, defaultOf('tdtp.history.size'));
    assert.equal(DEFAULT_LIMITS.maxPipelines, defaultOf('tdtp.limits.maxPipelines'));
    assert.equal(DEFAULT_LIMITS.errorChars, defaultOf('tdtp.limits.errorChars'));
    assert.equal(STRICT_TOLERANCE.absoluteRows, defaultOf('tdtp.dataQuality.toleranceRows'));
    assert.equal(STRICT_TOLERANCE.percent, defaultOf('tdtp.dataQuality.tolerancePercent'));
  });
});
