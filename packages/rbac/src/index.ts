export {
  ACCESS_LEVELS,
  effectiveLevels,
  impliedLevels,
  isAccessLevel,
  type AccessLevel,
} from './levels.js';
export {
  ACTION_CATALOGUE,
  ACTIONS,
  describeAction,
  describeRequirement,
  isAction,
  requirementOf,
  type Action,
  type ActionRequirement,
  type ActionScope,
} from './actions.js';
export { BUILT_IN_ROLES, parseRole, type BuiltInRoleId, type Role } from './roles.js';
export {
  ANONYMOUS_PRINCIPAL,
  PRINCIPAL_KINDS,
  levelsOn,
  resolvePrincipal,
  type Identity,
  type Principal,
  type PrincipalKind,
} from './principal.js';
export { can, explain, type Decision, type DecisionReason, type Resource } from './can.js';
export { RbacError, type RbacErrorCode } from './errors.js';
