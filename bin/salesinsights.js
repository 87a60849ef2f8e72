#!/usr/bin/env node
// The CLI entry: TypeScript runs through tsx, the same way in the bin, the tests and CI.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
