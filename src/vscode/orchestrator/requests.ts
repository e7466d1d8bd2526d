// The orchestrator's administration, one owner: the requests inbox and its commands, the schedule
// and token commands, the role context keys, and the prompts they share (replaced by the tests).
import { Disposable } from '../../core/lifecycle';
import type { PasswordStore } from '../connections/secrets';
import type { Orchestrators } from './orchestrators';
import { RequestCommands } from './requestsCommands';
import type { AdminUi, UiHolder } from './requestsShared';
import { RoleContext, windowUi } from './requestsShared';
import { RequestsView } from './requestsView';
import { ScheduleCommands } from './schedulesCommands';
import { TokenCommands } from './tokensCommands';

export class OrchestratorAdmin extends Disposable implements UiHolder {
  ui: AdminUi = windowUi;
  readonly roles: RoleContext;
  readonly inbox: RequestsView;
  readonly requests: RequestCommands;
  readonly schedules: ScheduleCommands;
  readonly tokens: TokenCommands;

  constructor(orchestrators: Orchestrators, passwords: PasswordStore) {
    super();
    this.roles = this.register(new RoleContext(orchestrators));
    this.inbox = this.register(new RequestsView(orchestrators));
    this.requests = this.register(new RequestCommands(orchestrators, this));
    this.schedules = this.register(new ScheduleCommands(orchestrators, this));
    this.tokens = this.register(new TokenCommands(orchestrators, this, passwords));
  }
}
