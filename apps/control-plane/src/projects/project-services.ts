import type { DataSource } from 'typeorm';
import type { ProjectFileAccess } from '../files/project-files.js';
import type { OrgKeys } from '../keys/org-keys.js';
import type { AgentGroupKinds } from '../runs/agent-group-kinds.js';
import type { Runs } from '../runs/runs.js';
import { Deployments } from './deployments.js';
import { ProjectArchives } from './project-archives.js';
import { ProjectRuns, type ChainNotes } from './project-runs.js';
import { Projects } from './projects.js';
import { Promotions } from './promotions.js';

/** The design repository's services, built once over the control plane's connections. */
export interface ProjectServices {
  projects: Projects;
  deployments: Deployments;
  runs: ProjectRuns;
  promotions: Promotions;
  archives: ProjectArchives;
}

export function createProjectServices(
  db: DataSource,
  keys: OrgKeys,
  runs: Runs,
  groups: AgentGroupKinds,
  files: ProjectFileAccess,
  /** Where a chain's refusals are written (the activity log's run details). */
  notes?: ChainNotes,
): ProjectServices {
  const projects = new Projects(db, files);
  const deployments = new Deployments(db, groups, files);
  return {
    projects,
    deployments,
    runs: new ProjectRuns(db, runs, files, notes),
    promotions: new Promotions(db, projects, deployments),
    archives: new ProjectArchives(db, keys, projects, files),
  };
}
