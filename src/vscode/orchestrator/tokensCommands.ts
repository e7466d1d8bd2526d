// The orchestrator's tokens (admins): Manage (the list: name, role, allowlist, created, last
// used), Issue (name, role, scenario allowlist; the raw token is shown once, to copy or to keep in
// secret storage for a connection), Revoke (confirmed). An LDAP server has no tokens (501).
import * as vscode from 'vscode';
import { Disposable } from '../../core/lifecycle';
import { secretScope } from '../../core/orchestrator/endpointSettings';
import type { OrchestratorProblem, Role, TokenRecord } from '../../core/orchestrator/types';
import type { PasswordStore } from '../connections/secrets';
import { dateTimeText } from '../words/format';
import { roleText, serverText } from '../words/orchestrator';
import { problemMessage, roleDetail } from '../words/orchestratorAdmin';
import type { Orchestrators } from './orchestrators';
import type { UiHolder } from './prompts';
import type { Acting } from './requestsShared';
import { chooseServer, commandTable } from './requestsShared';

export const TOKEN_COMMANDS = {
  manage: 'tdtp.orchestrator.manageTokens',
  issue: 'tdtp.orchestrator.issueToken',
  revoke: 'tdtp.orchestrator.revokeToken',
} as const;

const ROLES: readonly Role[] = ['consumer', 'activator', 'admin'];
/** A token's name as typed here (the server's own bound is normalize's MAX_NAME_CHARS). */
const MAX_TOKEN_NAME_CHARS = 100;

function tokenProblem(doing: string, problem: OrchestratorProblem): string {
  return problem.code === 'notImplemented' ? vscode.l10n.t('{0}: the orchestrator signs users in through LDAP and has no tokens to manage.', doing) : problemMessage(doing, problem);
}

function allowlistText(scenarios: readonly string[]): string {
  return scenarios.length === 0 ? vscode.l10n.t('every scenario') : scenarios.map((s) => serverText(s, 40)).join(', ');
}

function tokenItem(token: TokenRecord): vscode.QuickPickItem & { token: TokenRecord } {
  const created = token.createdAt ? vscode.l10n.t('created {0}', dateTimeText(token.createdAt.epochMs)) : undefined;
  const used = token.lastUsedAt ? vscode.l10n.t('last used {0}', dateTimeText(token.lastUsedAt.epochMs)) : vscode.l10n.t('never used');
  return {
    label: serverText(token.name, 80),
    description: `${roleText(token.role)} · ${allowlistText(token.scenarios)}`,
    detail: [created, used].filter((p) => p !== undefined).join(' · '),
    token,
  };
}

export class TokenCommands extends Disposable {
  constructor(
    private readonly orchestrators: Orchestrators,
    private readonly prompts: UiHolder,
    private readonly passwords: PasswordStore,
  ) {
    super();
    this.register(
      commandTable({
        [TOKEN_COMMANDS.manage]: (arg) => this.manage(arg),
        [TOKEN_COMMANDS.issue]: (arg) => this.issue(arg),
        [TOKEN_COMMANDS.revoke]: (arg) => this.revoke(arg),
      }),
    );
  }

  private get ui() {
    return this.prompts.ui;
  }

  private async list(acting: Acting): Promise<TokenRecord[] | undefined> {
    const answer = await acting.model.call((c, signal) => c.tokens({ signal }));
    if (answer.ok) return answer.value;
    void this.ui.error(tokenProblem(vscode.l10n.t('Reading the tokens'), answer.problem));
    return undefined;
  }

  /** The list, with Issue first; a token picked offers Revoke. */
  async manage(arg?: unknown): Promise<void> {
    const acting = await chooseServer(this.orchestrators, this.prompts, 'viewTokens', arg);
    if (!acting) return;
    const tokens = await this.list(acting);
    if (!tokens) return;
    const issue = { label: `$(add) ${vscode.l10n.t('Issue Token…')}`, token: undefined };
    const picked = await this.ui.pick([issue, ...tokens.map(tokenItem)], {
      title: vscode.l10n.t('Orchestrator tokens ({0})', tokens.length),
      placeHolder: vscode.l10n.t('Pick a token to revoke it, or issue a new one'),
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (!picked) return;
    if (picked.token === undefined) await this.issueOn(acting);
    else await this.revokeOn(acting, picked.token);
  }

  async issue(arg?: unknown): Promise<string | undefined> {
    const acting = await chooseServer(this.orchestrators, this.prompts, 'editTokens', arg);
    return acting && this.issueOn(acting);
  }

  /** Resolves with the new token's name when it was issued. */
  private async issueOn(acting: Acting): Promise<string | undefined> {
    const title = vscode.l10n.t('Issue an orchestrator token');
    const name = await this.ui.input({
      title,
      prompt: vscode.l10n.t('A name for the token (who or what uses it).'),
      ignoreFocusOut: true,
      validateInput: (text) => (text.trim() === '' ? vscode.l10n.t('A name is needed.') : text.length > MAX_TOKEN_NAME_CHARS ? vscode.l10n.t('At most {0} characters.', MAX_TOKEN_NAME_CHARS) : undefined),
    });
    if (name === undefined || name.trim() === '') return undefined;
    const role = await this.ui.pick(
      ROLES.map((r) => ({ label: roleText(r), role: r, detail: roleDetail(r) })),
      { title, placeHolder: vscode.l10n.t('Its role') },
    );
    if (!role) return undefined;
    const scenarios = acting.model.scenarios.value;
    let allowlist: string[] = [];
    if (scenarios.length > 0) {
      const picked = await this.ui.pickMany(
        scenarios.map((s) => ({ label: serverText(s.name, 80), detail: serverText(s.description, 160), name: s.name })),
        { title, placeHolder: vscode.l10n.t('The scenarios it may run, view results of and request (none picked: every scenario)') },
      );
      if (picked === undefined) return undefined;
      allowlist = picked.map((p) => p.name);
    }
    const answer = await acting.model.call((c, signal) => c.issueToken(name.trim(), role.role, allowlist, { signal }));
    if (!answer.ok) {
      void this.ui.error(tokenProblem(vscode.l10n.t('Issuing the token {0}', serverText(name, 80)), answer.problem));
      return undefined;
    }
    await this.handOver(acting, answer.value.token, serverText(name, 80));
    return name.trim();
  }

  /** The raw token, shown once: copied, kept in secret storage for a connection, or let go. */
  private async handOver(acting: Acting, token: string, name: string): Promise<void> {
    const copy = vscode.l10n.t('Copy');
    const keep = vscode.l10n.t('Store for a Connection…');
    const chosen = await this.ui.info(
      vscode.l10n.t('The token {0} is issued. It is shown only now: the orchestrator keeps only its hash.', name),
      { modal: true, detail: token },
      copy,
      keep,
    );
    if (chosen === copy) {
      await this.ui.copy(token);
      void this.ui.info(vscode.l10n.t('The token is copied to the clipboard.'), { modal: false });
    } else if (chosen === keep) {
      const servers = this.orchestrators.servers.filter((s) => s.endpoint.auth === 'token' && s.endpoint.baseUrl.href === acting.server.endpoint.baseUrl.href);
      const target = await this.ui.pick(
        servers.map((s) => ({ label: serverText(s.endpoint.connection, 60), description: serverText(s.endpoint.baseUrl.href, 120), detail: vscode.l10n.t('Replaces the token this connection uses now.'), server: s })),
        { placeHolder: vscode.l10n.t('Which connection uses the new token?') },
      );
      if (!target) return;
      await this.passwords.set(token, target.server.endpoint.connection, 'orchestratorToken', secretScope(target.server.endpoint.baseUrl));
      void this.ui.info(vscode.l10n.t('The token is stored for the connection {0}.', serverText(target.server.endpoint.connection, 60)), { modal: false });
    }
  }

  async revoke(arg?: unknown): Promise<boolean> {
    const acting = await chooseServer(this.orchestrators, this.prompts, 'editTokens', arg);
    if (!acting) return false;
    const tokens = await this.list(acting);
    if (!tokens) return false;
    const picked = await this.ui.pick(tokens.map(tokenItem), { placeHolder: vscode.l10n.t('Which token to revoke?'), matchOnDescription: true });
    return picked ? this.revokeOn(acting, picked.token) : false;
  }

  private async revokeOn(acting: Acting, token: TokenRecord): Promise<boolean> {
    const revoke = vscode.l10n.t('Revoke');
    const chosen = await this.ui.warn(
      vscode.l10n.t('Revoke the token {0} ({1})?', serverText(token.name, 80), roleText(token.role)),
      { modal: true, detail: vscode.l10n.t('Whoever uses it can no longer reach the orchestrator. Revoking the token this extension uses cuts this connection off too.') },
      revoke,
    );
    if (chosen !== revoke) return false;
    const answer = await acting.model.call((c, signal) => c.revokeToken(token.id, { signal }));
    if (!answer.ok) {
      void this.ui.error(tokenProblem(vscode.l10n.t('Revoking the token {0}', serverText(token.name, 80)), answer.problem));
      return false;
    }
    // Asked again rather than trusting the 204.
    const after = await acting.model.call((c, signal) => c.tokens({ signal }));
    if (after.ok && after.value.some((t) => t.id === token.id)) {
      void this.ui.warn(vscode.l10n.t('The orchestrator answered success, but still lists the token {0}.', serverText(token.name, 80)), { modal: false });
      return false;
    }
    void this.ui.info(vscode.l10n.t('The token {0} is revoked.', serverText(token.name, 80)), { modal: false });
    return true;
  }
}
