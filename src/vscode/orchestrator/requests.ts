// The orchestrator's administration, one owner: the requests inbox and its commands, the schedule
// and token commands, and the role context keys.
import { Disposable } from '../../core/lifecycle';
import type { PasswordStore } from '../connections/secrets';
import type { Orchestrators } from './orchestrators';
import { RequestCommands } from './requestsCommands';
import type { UiHolder } from './prompts';
import { RoleContext } from './requestsShared';
import { RequestsView } from './requestsView';
import { ScheduleCommands } from './schedulesCommands';
import { TokenCommands } from './tokensCommands';

export class OrchestratorAdmin extends Disposable {
  readonly roles: RoleContext;
  readonly inbox: RequestsView;
  readonly requests: RequestCommands;
  readonly schedules: ScheduleCommands;
  readonly tokens: TokenCommands;

  constructor(orchestrators: Orchestrators, passwords: PasswordStore, prompts: UiHolder) {
    super();
    this.roles = this.register(new RoleContext(orchestrators));
    this.inbox = this.register(new RequestsView(orchestrators));
    this.requests = this.register(new RequestCommands(orchestrators, prompts));
    this.schedules = this.register(new ScheduleCommands(orchestrators, prompts));
    this.tokens = this.register(new TokenCommands(orchestrators, prompts, passwords));
  }
}
