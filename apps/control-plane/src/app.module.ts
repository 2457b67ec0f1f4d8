import { Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Logger } from '@weft/log-schema';
import { ServiceModule } from '@weft/server-kit';
import type { ControlPlaneConfig } from './config/control-plane.config.js';
import { dependencyChecks, type ControlPlaneDependencies } from './infrastructure/dependencies.js';
import { environmentOwnership } from './infrastructure/environment-ownership.js';
import { NATS_CONNECTION, S3_CLIENT } from './infrastructure/tokens.js';
import { AuditController } from './audit/audit.controller.js';
import { KeysController } from './keys/keys.controller.js';
import { OrgKeys } from './keys/org-keys.js';
import { ReencryptionJobs } from './keys/reencryption.js';
import { SecretsController } from './vault/secrets.controller.js';
import { ApiKeys } from './identity/api-keys.js';
import { ApiKeysController } from './identity/api-keys.controller.js';
import { CliLogins } from './identity/cli-login.js';
import { CliLoginController } from './identity/cli-login.controller.js';
import { OrganizationsController } from './identity/organizations.controller.js';
import { PasswordLogin } from './identity/password-login.js';
import { SESSION_OPTIONS, SessionController } from './identity/session.controller.js';
import { PoliciesController } from './identity/policies.controller.js';
import { Sessions } from './identity/sessions.js';
import { SignInChallenges } from './identity/sign-in-challenges.js';
import { TwoFactor } from './identity/two-factor.js';
import { TwoFactorController } from './identity/two-factor.controller.js';
import { IdentityProviders } from './identity/sso/identity-providers.js';
import { OidcSignInGuard, SsoController } from './identity/sso/sso.controller.js';
import { SsoSettingsController } from './identity/sso/sso-settings.controller.js';
import { SsoSignIn } from './identity/sso/sso-sign-in.js';
import { SignInLimiter } from './identity/sign-in-limiter.js';
import { SecretsVault } from './vault/secrets-vault.js';
import { OrganizationAdmin } from './organization/organization-admin.js';
import {
  EnvironmentsController,
  InvitationAcceptanceController,
  InvitationsController,
  MembersController,
  RolesController,
} from './organization/organization.controller.js';
import { Invitations } from './organization/invitations.js';
import { Accounts } from './identity/accounts.js';
import { AccountsController } from './identity/accounts.controller.js';
import { RequestPolicies } from './identity/request-policies.js';
import { AgentRegistry } from './agents/agent-registry.js';
import { AgentGroupsController } from './agents/agents.controller.js';
import { Runs } from './runs/runs.js';
import { RunsController } from './runs/runs.controller.js';
import { ActivityController } from './activity/activity.controller.js';
import { ActivityQuery } from './activity/activity-query.js';
import { ActivityStreams } from './activity/activity-streams.js';
import { Deployments } from './projects/deployments.js';
import { ProjectArchives } from './projects/project-archives.js';
import { ProjectRuns } from './projects/project-runs.js';
import { Projects } from './projects/projects.js';
import { EnvironmentDesignController, ProjectsController } from './projects/projects.controller.js';
import { Promotions } from './projects/promotions.js';
import { FilesController } from './files/files.controller.js';
import { ProjectFiles } from './files/project-files.js';

/** The control plane's root module, built around connections opened before Nest starts. */
@Module({})
export class AppModule {
  static register(
    deps: ControlPlaneDependencies,
    config: ControlPlaneConfig,
    logger: Logger,
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceModule.register({
          logger,
          checks: dependencyChecks(deps, config.s3.bucket),
          environmentOwnership: environmentOwnership(deps.dataSource),
        }),
      ],
      controllers: [
        SecretsController,
        KeysController,
        AuditController,
        SessionController,
        ApiKeysController,
        OrganizationsController,
        TwoFactorController,
        PoliciesController,
        SsoController,
        SsoSettingsController,
        CliLoginController,
        EnvironmentsController,
        RolesController,
        MembersController,
        InvitationsController,
        InvitationAcceptanceController,
        AccountsController,
        AgentGroupsController,
        RunsController,
        ActivityController,
        ProjectsController,
        EnvironmentDesignController,
        FilesController,
      ],
      providers: [
        { provide: DataSource, useValue: deps.dataSource },
        { provide: OrgKeys, useValue: deps.keys },
        { provide: ReencryptionJobs, useValue: deps.reencryption },
        { provide: SecretsVault, useValue: deps.vault },
        { provide: Sessions, useValue: deps.sessions },
        { provide: ApiKeys, useValue: deps.apiKeys },
        { provide: PasswordLogin, useValue: deps.passwordLogin },
        { provide: TwoFactor, useValue: deps.twoFactor },
        { provide: SignInChallenges, useValue: deps.signInChallenges },
        { provide: IdentityProviders, useValue: deps.identityProviders },
        { provide: SsoSignIn, useValue: deps.ssoSignIn },
        { provide: CliLogins, useValue: new CliLogins(deps.dataSource, deps.apiKeys) },
        OidcSignInGuard,
        { provide: OrganizationAdmin, useValue: new OrganizationAdmin(deps.dataSource) },
        { provide: Invitations, useValue: deps.invitations },
        { provide: Accounts, useValue: deps.accounts },
        { provide: RequestPolicies, useValue: deps.requestPolicies },
        { provide: AgentRegistry, useValue: deps.agents },
        { provide: Runs, useValue: deps.runs },
        { provide: ActivityQuery, useValue: deps.activity.query },
        { provide: ActivityStreams, useValue: deps.activity.streams },
        { provide: Projects, useValue: deps.projects.projects },
        { provide: Deployments, useValue: deps.projects.deployments },
        { provide: ProjectRuns, useValue: deps.projects.runs },
        { provide: Promotions, useValue: deps.projects.promotions },
        { provide: ProjectArchives, useValue: deps.projects.archives },
        { provide: ProjectFiles, useValue: deps.files },
        { provide: SignInLimiter, useValue: new SignInLimiter(config.sessions.signInsPerMinute) },
        { provide: SESSION_OPTIONS, useValue: { secure: config.sessions.secureCookies } },
        { provide: NATS_CONNECTION, useValue: deps.nats },
        { provide: S3_CLIENT, useValue: deps.s3 },
      ],
      exports: [DataSource, NATS_CONNECTION, S3_CLIENT],
    };
  }
}
