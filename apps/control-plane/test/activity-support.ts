// Shared by the activity tests: an organization with an agent group, runs submitted the real
// way, and agent events applied the way RunEvents applies them.
import { createEnvelope, type SubjectParts } from '@weft/messaging';
import type { DataSource } from 'typeorm';
import { ActivityLog } from '../src/activity/activity-log.js';
import { AgentRegistry } from '../src/agents/agent-registry.js';
import type { FirstAdminResult } from '../src/bootstrap/first-admin.js';
import { asOrgId, inTenant, type OrgId } from '../src/database/tenant.js';
import type { OrgKeys } from '../src/keys/org-keys.js';
import { applyRunEvent, type RunEventEffects } from '../src/runs/run-events.js';
import { Runs, type SubmitRun } from '../src/runs/runs.js';

export interface ActivityFixture {
  orgId: OrgId;
  environmentId: string;
  groupId: string;
  admin: { type: 'user'; id: string };
  runs: Runs;
  activity: ActivityLog;
  /** Submits a run of `operationId` in the fixture's environment and group. */
  submit(operationId: string, extra?: Partial<SubmitRun>): Promise<string>;
  /** Applies one agent event to a run, as the gateway would relay it (`id`: the envelope's). */
  event(
    type: string,
    payload: Record<string, unknown>,
    options?: { effects?: Partial<RunEventEffects>; id?: string },
  ): Promise<void>;
}

export async function activityFixture(
  dataSource: DataSource,
  keys: OrgKeys,
  org: FirstAdminResult,
  environmentName = 'development',
): Promise<ActivityFixture> {
  const orgId = asOrgId(org.organization.id);
  const environmentId = org.environments.find((e) => e.name === environmentName)!.id;
  const admin = { type: 'user' as const, id: org.admin.id };
  const group = await new AgentRegistry(dataSource).bindGroup(
    orgId,
    environmentId,
    `agents-${environmentName}`,
    admin,
  );
  const activity = new ActivityLog(keys);
  const runs = new Runs(dataSource, undefined, undefined, activity);
  const where: SubjectParts = { orgId, environmentId, agentGroupId: group.id, kind: 'events' };
  return {
    orgId,
    environmentId,
    groupId: group.id,
    admin,
    runs,
    activity,
    async submit(operationId, extra = {}) {
      const { runId } = await runs.submit(
        orgId,
        { environmentId, groupId: group.id, operationId, operation: { version: 1 }, ...extra },
        admin,
      );
      return runId;
    },
    async event(type, payload, { effects = {}, id } = {}) {
      const envelope = createEnvelope({
        type,
        ...(id === undefined ? {} : { id }),
        orgId,
        environmentId,
        agentGroupId: group.id,
        payload,
      });
      await inTenant(dataSource, orgId, (tx) =>
        applyRunEvent(tx, where, envelope, { activity, ...effects }),
      );
    },
  };
}
