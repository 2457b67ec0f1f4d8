// The syntax tree, before and after the post-parse pass (which turns `.` and `[` into paths
// of steps with stages, the way the reference's evaluator expects them).
import type { RegexLiteral } from './tokenizer.js';

/** Where a parent (`%`) reference finds its ancestor: resolved labels are bound in tuples. */
export interface Slot {
  label: string;
  level: number;
  index: number;
}

export interface Stage {
  type: 'filter' | 'index';
  expr?: Node;
  value?: string;
  position: number;
}

export interface SortTerm {
  descending: boolean;
  expression: Node;
}

export interface GroupSpec {
  pairs: Array<[Node, Node]>;
  position: number;
}

export type NodeValue = string | number | boolean | null | RegexLiteral | undefined;

export interface Node {
  type: string;
  value?: NodeValue;
  position: number;
  id?: string;
  lhs?: Node;
  rhs?: Node;
  expression?: Node;
  expressions?: Node[];
  pairs?: Array<[Node, Node]>;
  terms?: SortTerm[];
  procedure?: Node;
  arguments?: Node[];
  body?: Node;
  signature?: string;
  thunk?: boolean;
  condition?: Node;
  then?: Node;
  else?: Node;
  pattern?: Node;
  update?: Node;
  delete?: Node;
  steps?: Node[];
  predicate?: Stage[];
  stages?: Stage[];
  group?: GroupSpec;
  keepArray?: boolean;
  keepSingletonArray?: boolean;
  consarray?: boolean;
  focus?: string;
  index?: string;
  tuple?: boolean;
  ancestor?: Slot;
  slot?: Slot;
  seekingParent?: Slot[];
}
