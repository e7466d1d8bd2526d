// Checks that src/core/goTime.ts's parseGoTime answers exactly as the regex-based implementation
// it had before goTime-fast-path.diff (kept below as the reference): same accept/reject, same
// GoTime fields (-0 offsets included), same rejection wording. Run before and after applying:
//   node --import tsx bench/proposals/goTime-equivalence.ts
import { parseGoTime, truncate } from '../../src/core/goTime';
import { rng } from '../payloads';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

function reference(text: string): ReturnType<typeof parseGoTime> {
  const m = RFC3339.exec(text);
  if (!m) return { ok: false, reason: `"${truncate(text, 40)}" is not an RFC 3339 time` };
  const [, y, mo, d, h, mi, s, frac, z, sign, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const dim = month === 2 ? ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  if (month < 1 || month > 12) return { ok: false, reason: `month ${mo} is out of range in "${text}"` };
  if (day < 1 || day > dim) return { ok: false, reason: `day ${d} is out of range in "${text}"` };
  if (hour > 23 || minute > 59 || second > 59) return { ok: false, reason: `clock time is out of range in "${text}"` };
  const offsetMinutes = z ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  if (!z && (Number(oh) > 23 || Number(om) > 59)) return { ok: false, reason: `zone offset is out of range in "${text}"` };
  const nanos = frac ? Number(frac.padEnd(9, '0')) : 0;
  if (year === 1 && month === 1 && day === 1 && hour === 0 && minute === 0 && second === 0 && nanos === 0 && offsetMinutes === 0) {
    return { ok: true, time: undefined };
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const epochMs = date.getTime() - offsetMinutes * 60_000 + Math.floor(nanos / 1_000_000);
  return { ok: true, time: { text, epochMs, subMsNanos: nanos % 1_000_000, offsetMinutes } };
}

const pad = (v: number, n: number) => String(v).padStart(n, '0');
const cases: string[] = [
  '0001-01-01T00:00:00Z', '0001-01-01T00:00:00-00:00', '0001-01-01T00:00:00.000Z', '0001-01-01T00:00:00+00:00',
  '0000-02-29T00:00:00Z', '0000-02-29T23:59:59.999999999-00:00', '1900-02-29T00:00:00Z', '2000-02-29T00:00:00Z',
  '0099-03-01T00:00:00Z', '0100-02-29T00:00:00Z', '0400-02-29T00:00:00Z', '9999-12-31T23:59:59.999999999+23:59',
  '2025-11-18T13:00:00.123456789+03:00', '2025-11-18t13:00:00z', '2025-11-18T13:00:00.1234567891Z', '2025-11-18T13:00:00.Z',
  '2025-11-18T13:00:00', '2025-11-18T13:00:00+0300', '2025-11-18T13:00:00+03:00 ', '2025-11-18T24:00:00Z',
  '2025-13-18T13:00:00Z', '2025-00-18T13:00:00Z', '2025-04-31T13:00:00Z', '2025-11-18T13:00:60Z', '2025-11-18T13:00:00+24:00',
  '2025-11-18T13:00:00+03:60', '２025-11-18T13:00:00Z', '2025-11-18T13:00:00\nZ', '2025-11-18T13:00:00Z\n', '',
  '2025-11-18 13:00:00Z', '+2025-11-18T13:00:00Z', '2025-11-18T13:00:00.000000000Z',
];
const r = rng(42);
for (let i = 0; i < 300_000; i++) {
  const y = Math.floor(r() * 10000);
  const mo = 1 + Math.floor(r() * 13);
  const d = Math.floor(r() * 33);
  const h = Math.floor(r() * 25);
  const mi = Math.floor(r() * 61);
  const s = Math.floor(r() * 61);
  const digits = Math.floor(r() * 11);
  const frac = digits === 0 ? '' : `.${Array.from({ length: digits }, () => Math.floor(r() * 10)).join('')}`;
  const zone = r() < 0.3 ? (r() < 0.5 ? 'Z' : 'z') : `${r() < 0.5 ? '+' : '-'}${pad(Math.floor(r() * 25), 2)}:${pad(Math.floor(r() * 61), 2)}`;
  cases.push(`${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}${r() < 0.9 ? 'T' : 't'}${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${frac}${zone}`);
}

let differences = 0;
let accepted = 0;
for (const text of cases) {
  const got = parseGoTime(text);
  const want = reference(text);
  const same =
    JSON.stringify(got) === JSON.stringify(want) &&
    (!got.ok || !want.ok || !got.time || !want.time || Object.is(got.time.offsetMinutes, want.time.offsetMinutes));
  if (!same && differences++ < 10) console.log('DIFFERENT', JSON.stringify(text), JSON.stringify(got), JSON.stringify(want));
  if (want.ok) accepted++;
}
console.log(`${cases.length} inputs (${accepted} valid): ${differences} differences`);

const sample = '2025-11-18T13:00:00.123456789+03:00';
for (const [name, fn] of [['reference (regex + Date)', reference], ['src/core/goTime parseGoTime', parseGoTime]] as const) {
  for (let i = 0; i < 200_000; i++) fn(sample);
  const t = performance.now();
  for (let i = 0; i < 2_000_000; i++) fn(sample);
  console.log(`${name}: ${(((performance.now() - t) * 1e6) / 2_000_000).toFixed(0)} ns per call`);
}
process.exit(differences ? 1 : 0);
