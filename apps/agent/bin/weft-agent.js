#!/usr/bin/env node
// The installed command: runs the built agent (dist/). In the repository, `pnpm dev` runs src/ instead.
import '../dist/main.js';
