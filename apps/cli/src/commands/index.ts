import type { CommandSpec } from '../cli/command-spec.js';
import { deploy } from './deploy.js';
import { envPromote } from './env-promote.js';
import { login, logout } from './login.js';
import { logs } from './logs.js';
import { projectPull, projectPush } from './project.js';
import { run } from './run.js';

/** Every `weft` command, in the order `weft --help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  login,
  logout,
  projectPush,
  projectPull,
  deploy,
  run,
  logs,
  envPromote,
];
