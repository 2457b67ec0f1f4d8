import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Req,
  Res,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { can, type Principal } from '@weft/rbac';
import { RequireAction } from '@weft/server-kit';
import type { TestTransformResult } from '@weft/transform';
import { ProjectError } from '@weft/project';
import { apiV1 } from '../http/api-path.js';
import { refusal } from '../http/domain-errors.js';
import { RunError } from '../runs/operation.js';
import { Actor, type RequestActor } from '../http/request-actor.js';
import { Deployments, type DeploymentView } from './deployments.js';
import { bodyFields, revisionNumber } from './project-body.js';
import { ProjectArchives } from './project-archives.js';
import { ProjectRuns } from './project-runs.js';
import { PROJECTS_ERROR_STATUS, ProjectsError } from './projects-error.js';
import {
  Projects,
  type ProjectView,
  type PushResult,
  type RevisionDocument,
  type RevisionView,
} from './projects.js';
import {
  Promotions,
  parsePromotionRequest,
  type PromotionPreview,
  type PromotionResult,
} from './promotions.js';
import { parseTransformationTest, runTransformationTest } from './transformation-test.js';

/**
 * Maps the projects service's refusals to HTTP: `{ error: { code, message, details?: { problems } } }`
 * with every problem of a document at its path.
 */
export async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (caught) {
    const error = asProjectsError(caught);
    throw refusal(error, PROJECTS_ERROR_STATUS[error.code]);
  }
}

/** What the project library or the runs service refused, in the projects API's terms. */
function asProjectsError(error: unknown): ProjectsError {
  if (ProjectsError.is(error)) return error;
  if (ProjectError.is(error)) {
    return new ProjectsError('PROJECT_INVALID', error.message, error.problems, 'document');
  }
  if (RunError.is(error) && error.code === 'VALIDATION_FAILED') {
    return new ProjectsError('VALIDATION_FAILED', error.message);
  }
  throw error;
}

interface ResponseLike {
  status(code: number): ResponseLike;
}

/** A push or import: 201 when it stored a new revision, 200 when the document was unchanged. */
async function stored(
  response: ResponseLike,
  work: () => Promise<PushResult>,
): Promise<PushResult> {
  const result = await answer(work);
  response.status(result.created ? 201 : 200);
  return result;
}

/** An environment's projects: push revisions, read them, deploy one, run its operations. */
@ApiTags('projects')
@Controller(apiV1('environments/:environmentId/projects'))
export class ProjectsController {
  constructor(
    @Inject(Projects) private readonly projects: Projects,
    @Inject(Deployments) private readonly deployments: Deployments,
    @Inject(ProjectRuns) private readonly runs: ProjectRuns,
    @Inject(ProjectArchives) private readonly archives: ProjectArchives,
  ) {}

  @Post()
  @RequireAction('project.write')
  @ApiOperation({
    summary:
      'Push a project document: validated whole (400 PROJECT_INVALID lists every problem with its path); a new revision when it changed (201), the latest one when not (200)',
  })
  async push(
    @Actor() { orgId, actor }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: ResponseLike,
  ): Promise<PushResult> {
    return stored(response, () => {
      const { document } = bodyFields(body, ['document']);
      return this.projects.push(orgId, environmentId, document, actor);
    });
  }

  @Post('import')
  @RequireAction('project.write')
  @ApiOperation({
    summary:
      'Import a signed project archive (exported by this organization): its signature is checked, then it is pushed like a document',
  })
  async import(
    @Actor() { orgId, actor }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: ResponseLike,
  ): Promise<PushResult> {
    return stored(response, () => {
      const { archive } = bodyFields(body, ['archive']);
      return this.archives.import(orgId, environmentId, archive, actor);
    });
  }

  @Get()
  @RequireAction('project.read')
  @ApiOperation({ summary: "The environment's projects" })
  async list(
    @Actor() { orgId }: RequestActor,
    @Param('environmentId') environmentId: string,
  ): Promise<{ items: ProjectView[] }> {
    return { items: await answer(() => this.projects.list(orgId, environmentId)) };
  }

  @Get('by-name/:name')
  @RequireAction('project.read')
  @ApiOperation({ summary: 'A project by its name' })
  byName(
    @Actor() { orgId }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Param('name') name: string,
  ): Promise<ProjectView> {
    return answer(() => this.projects.byName(orgId, environmentId, name));
  }

  @Get(':projectId')
  @RequireAction('project.read')
  @ApiOperation({ summary: 'A project: its latest and deployed revisions' })
  get(
    @Actor() { orgId }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Param('projectId') projectId: string,
  ): Promise<ProjectView> {
    return answer(() => this.projects.get(orgId, environmentId, projectId));
  }

  @Get(':projectId/revisions')
  @RequireAction('project.read')
  @ApiOperation({ summary: "A project's revisions, newest first" })
  async revisions(
    @Actor() { orgId }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Param('projectId') projectId: string,
  ): Promise<{ items: RevisionView[] }> {
    return {
      items: await answer(() => this.projects.revisions(orgId, environmentId, projectId)),
    };
  }

  @Get(':projectId/revisions/:revision')
  @RequireAction('project.read')
  @ApiOperation({ summary: 'One revision with its document' })
  revision(
    @Actor() { orgId }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Param('projectId') projectId: string,
    @Param('revision') revision: string,
  ): Promise<RevisionDocument> {
    return answer(() =>
      this.projects.revision(orgId, environmentId, projectId, revisionNumber(revision)),
    );
  }

  @Get(':projectId/revisions/:revision/archive')
  @RequireAction('project.read')
  @ApiOperation({
    summary:
      "Export one revision as a signed archive (the organization's signing key; no secret values: a project holds none)",
  })
  archive(
    @Actor() { orgId, actor }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Param('projectId') projectId: string,
    @Param('revision') revision: string,
  ): Promise<unknown> {
    return answer(() =>
      this.archives.export(orgId, environmentId, projectId, revisionNumber(revision), actor),
    );
  }

  @Post(':projectId/deployments')
  @RequireAction('project.deploy')
  @ApiOperation({
    summary:
      'Deploy a revision (default: the latest); 400 VARIABLES_MISSING when the environment lacks a value for a variable it declares',
  })
  async deploy(
    @Actor() { orgId, actor }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Param('projectId') projectId: string,
    @Body() body: unknown,
  ): Promise<{ deployment: DeploymentView }> {
    const deployment = await answer(() => {
      const { revision } = bodyFields(body ?? {}, ['revision']);
      return this.deployments.deploy(
        orgId,
        environmentId,
        projectId,
        revision === undefined ? undefined : revisionNumber(revision),
        actor,
      );
    });
    return { deployment };
  }

  @Get(':projectId/deployments')
  @RequireAction('deployment.read')
  @ApiOperation({ summary: "A project's deployments, newest first (the last 100)" })
  async deploymentList(
    @Actor() { orgId }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Param('projectId') projectId: string,
  ): Promise<{ items: DeploymentView[] }> {
    return {
      items: await answer(() => this.deployments.list(orgId, environmentId, projectId)),
    };
  }

  @Post(':projectId/operations/:operation/runs')
  @HttpCode(202)
  @RequireAction('operation.run')
  @ApiOperation({
    summary:
      "Run an operation of the deployed revision now, on the environment's agent group (409 NOT_DEPLOYED / NO_AGENT_GROUP, 404 OPERATION_NOT_FOUND, 400 VARIABLES_MISSING)",
  })
  run(
    @Actor() { orgId, actor }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Param('projectId') projectId: string,
    @Param('operation') operation: string,
    @Body() body: unknown,
  ): Promise<{ runId: string; status: 'pending' }> {
    return answer(() => {
      bodyFields(body ?? {}, []);
      return this.runs.run(orgId, environmentId, projectId, operation, actor);
    });
  }
}

/** Environment-wide design calls: where runs go, promotion, and the test-transformation service. */
@ApiTags('projects')
@Controller(apiV1('environments/:environmentId'))
export class EnvironmentDesignController {
  constructor(
    @Inject(Deployments) private readonly deployments: Deployments,
    @Inject(Promotions) private readonly promotions: Promotions,
  ) {}

  @Put('agent-group')
  // Where runs (and the secrets they resolve) go is a deployment decision: Write, not Agent Install.
  @RequireAction('project.deploy')
  @ApiOperation({
    summary:
      "Choose the agent group the environment's runs go to (one serving it, or a cloud group)",
  })
  runGroup(
    @Actor() { orgId, actor }: RequestActor,
    @Param('environmentId') environmentId: string,
    @Body() body: unknown,
  ): Promise<{ groupId: string }> {
    return answer(() => {
      const { groupId } = bodyFields(body, ['groupId']);
      return this.deployments.setRunGroup(orgId, environmentId, groupId, actor);
    });
  }

  @Post('promotions/preview')
  @HttpCode(200)
  @RequireAction('project.write')
  @ApiOperation({
    summary:
      'What promoting a revision from another environment would change here (Write here, Read on the source)',
  })
  preview(
    @Actor() { orgId }: RequestActor,
    @Req() request: { principal?: Principal },
    @Param('environmentId') environmentId: string,
    @Body() body: unknown,
  ): Promise<PromotionPreview> {
    return answer(() => {
      const promotion = parsePromotionRequest(body);
      assertCanReadSource(request.principal, orgId, promotion.sourceEnvironmentId);
      return this.promotions.preview(orgId, environmentId, promotion);
    });
  }

  @Post('promotions')
  @RequireAction('project.write')
  @ApiOperation({
    summary:
      'Promote a revision from another environment: a new revision here that runs with THIS environment’s variables; `deploy: true` deploys it (also Write here)',
  })
  promote(
    @Actor() { orgId, actor }: RequestActor,
    @Req() request: { principal?: Principal },
    @Param('environmentId') environmentId: string,
    @Body() body: unknown,
  ): Promise<PromotionResult> {
    return answer(() => {
      const promotion = parsePromotionRequest(body);
      assertCanReadSource(request.principal, orgId, promotion.sourceEnvironmentId);
      return this.promotions.promote(orgId, environmentId, promotion, actor);
    });
  }

  @Post('transformations/test')
  @HttpCode(200)
  @RequireAction('project.write')
  @ApiOperation({
    summary:
      'Test a mapping on sample data (≤ 100 KB): the output, failed records with reasons, counts; nothing is stored',
  })
  test(@Body() body: unknown): Promise<TestTransformResult> {
    return answer(() => runTransformationTest(parseTransformationTest(body)));
  }
}

/** Promotion reads the source environment: the caller needs Read there too, not only Write here. */
function assertCanReadSource(
  principal: Principal | undefined,
  orgId: string,
  sourceEnvironmentId: string,
): void {
  if (
    principal === undefined ||
    !can(principal, 'project.read', { orgId, environmentId: sourceEnvironmentId })
  ) {
    throw new ForbiddenException({
      code: 'FORBIDDEN',
      message: 'not allowed: project.read on the source environment',
    });
  }
}
