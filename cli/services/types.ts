// What the services manager reports, and the one error it throws.

export type ServiceName = 'kafka' | 'schema-registry';

export interface ServiceStatus {
  name: ServiceName;
  /** host:port list for Kafka, base URL for the registry. */
  address: string;
  /** Started by `servicesUp` (a live pid file of ours), as opposed to given in the environment. */
  managed: boolean;
  healthy: boolean;
  pid?: number;
  /** Resident memory of the managed process, from /proc/<pid>/status VmRSS. */
  rssMb?: number;
  detail?: string;
}

export class ServiceError extends Error {
  override name = 'ServiceError';
  constructor(
    readonly service: ServiceName,
    message: string,
    /** The last lines of the service's log, when there is one. */
    readonly logTail?: string,
    /** What the last health check said, when one ran. */
    readonly lastCheck?: string,
  ) {
    super(logTail ? `${service}: ${message}\n${logTail}` : `${service}: ${message}`);
  }
}
