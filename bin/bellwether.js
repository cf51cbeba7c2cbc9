#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx bellwether` works right after `npm ci` with no
// build step; the container image uses the same entry point.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
