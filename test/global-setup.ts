// Brings the real local services up once per test run (idempotent: a second run reuses them).
import { loadConfig } from '../src/config.ts';
import { servicesUp } from '../src/services/index.ts';

export default async function setup(): Promise<void> {
  await servicesUp(loadConfig({ ...process.env, SALESINSIGHTS_HOME: undefined }));
}
