// Picks a Java runtime new enough for a service: Kafka 4.1 runs on 17, Apicurio Registry 3.3
// is compiled for 21. Looks at JAVA_HOME, the `java` on PATH, then the JDKs in /usr/lib/jvm
// (this project's machines have Debian's OpenJDK 17 and a Temurin 25 beside it).
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { ServiceError, type ServiceName } from './types.ts';

export interface JavaRuntime {
  command: string;
  home: string;
  major: number;
}

const JVM_DIR = '/usr/lib/jvm';

/** Major version from the JDK's `release` file (JAVA_VERSION="17.0.15", or "1.8.0" for 8). */
function majorVersion(home: string): number | undefined {
  try {
    const version = /^JAVA_VERSION="([^"]+)"/m.exec(readFileSync(join(home, 'release'), 'utf8'))?.[1];
    if (!version) return undefined;
    const [first, second] = version.split('.').map(Number);
    return first === 1 ? second : first;
  } catch {
    return undefined;
  }
}

function homeOnPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'java');
    if (dir && existsSync(candidate)) return dirname(dirname(realpathSync(candidate)));
  }
  return undefined;
}

function candidateHomes(): string[] {
  const homes = [process.env.JAVA_HOME?.trim(), homeOnPath()].filter((h): h is string => !!h);
  let installed: string[] = [];
  try {
    installed = readdirSync(JVM_DIR).map((name) => join(JVM_DIR, name));
  } catch {
    // no /usr/lib/jvm
  }
  const byVersion = installed
    .map((home) => ({ home, major: majorVersion(home) ?? 0 }))
    .sort((a, b) => b.major - a.major)
    .map((c) => c.home);
  return [...new Set([...homes, ...byVersion])];
}

/** The first runtime (JAVA_HOME, PATH, then the newest installed) whose major version is at least `minMajor`. */
export function findJava(minMajor: number): JavaRuntime | undefined {
  for (const home of candidateHomes()) {
    const major = majorVersion(home);
    const command = join(home, 'bin', 'java');
    if (major !== undefined && major >= minMajor && existsSync(command)) return { command, home, major };
  }
  return undefined;
}

/** Java versions seen, for error messages. */
export function javaVersionsSeen(): string {
  return candidateHomes()
    .map((home) => `${home} (${majorVersion(home) ?? '?'})`)
    .join(', ');
}

export function requireJava(service: ServiceName, minMajor: number): JavaRuntime {
  const java = findJava(minMajor);
  if (java) return java;
  throw new ServiceError(service, `needs Java ${minMajor} or newer; found ${javaVersionsSeen() || 'no Java at all'}. Set JAVA_HOME to a JDK ${minMajor}+`);
}
