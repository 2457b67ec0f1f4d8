// Types for runner.mjs (plain JavaScript so that run.mjs works on the built package).
export interface ConformanceCase {
  group: string;
  name: string;
  expr: string;
  input: unknown;
  testCase: Record<string, unknown>;
}
export interface ConformanceFailure {
  group: string;
  name: string;
  expr: string;
  reason: string;
}
export interface ConformanceReport {
  total: number;
  passed: number;
  failed: number;
  groups: Map<string, { passed: number; failed: number }>;
  failures: ConformanceFailure[];
}
type Compile = (
  source: string,
  options?: { timeLimitMs?: number; maxDepth?: number },
) => { evaluate(input: unknown, bindings?: Record<string, unknown>): unknown };
export function suiteDirectory(): string;
export function loadCases(dir?: string): ConformanceCase[];
export function runCase(compile: Compile, testCase: ConformanceCase): string | undefined;
export function runSuite(compile: Compile, cases?: ConformanceCase[]): ConformanceReport;
