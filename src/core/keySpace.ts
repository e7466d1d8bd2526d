/** Channel and key names for one prefix (default `tdtp:pipeline`). */
export class KeySpace {
  readonly channelPattern: string;
  readonly stateKeyPattern: string;
  /** The recorders' streams of runs (`tdtp-record`), one per result_name. */
  readonly runsKeyPattern: string;
  private readonly channelHead: string;

  constructor(readonly prefix: string) {
    const glob = escapeGlob(prefix);
    this.channelPattern = `${glob}:*`;
    this.stateKeyPattern = `${glob}:*:state`;
    this.runsKeyPattern = `${glob}:*:runs`;
    this.channelHead = `${prefix}:`;
  }

  channel(resultName: string): string {
    return `${this.channelHead}${resultName}`;
  }

  stateKey(resultName: string): string {
    return `${this.channelHead}${resultName}:state`;
  }

  /** The result_name a channel carries, or undefined for a channel outside this prefix. */
  resultNameOfChannel(channel: string): string | undefined {
    return channel.startsWith(this.channelHead) ? channel.slice(this.channelHead.length) : undefined;
  }

  resultNameOfStateKey(key: string): string | undefined {
    return this.resultNameOfKey(key, ':state');
  }

  runsKey(resultName: string): string {
    return `${this.channelHead}${resultName}:runs`;
  }

  resultNameOfRunsKey(key: string): string | undefined {
    return this.resultNameOfKey(key, ':runs');
  }

  private resultNameOfKey(key: string, suffix: string): string | undefined {
    if (!key.startsWith(this.channelHead) || !key.endsWith(suffix)) return undefined;
    return key.slice(this.channelHead.length, key.length - suffix.length);
  }
}

/** Escapes Redis glob metacharacters so a prefix matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
