// `pnpm bench [name] [arguments]`: runs bench/<name> — `runs` (the default, kept so that
// `pnpm bench 2000` still means 2000 runs per point) or `activity`.
const BENCHES: Record<string, string> = {
  runs: './runs.bench.ts',
  activity: './activity.ts',
};

const [name] = process.argv.slice(2);
const chosen = name !== undefined && Object.hasOwn(BENCHES, name) ? name : 'runs';
if (chosen === name) process.argv.splice(2, 1);
await import(BENCHES[chosen]!);
