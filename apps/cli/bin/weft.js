#!/usr/bin/env node
// The installed command: runs the built CLI (dist/). In the repository, `pnpm --filter @weft/cli dev` runs src/.
import '../dist/main.js';
