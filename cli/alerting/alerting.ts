// The alerting of a command (`start`, `backfill`): the rules file and the channels' settings read
// and checked when the command begins (a mistake fails it with its one line before anything
// starts), and the evaluator built once the store is open.
import type { Store } from '../../aggregates/store.ts';
import type { Config } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import type { Env } from '../../core/settings.ts';
import { loadAlertRules } from '../../dashboard/alerting/index.ts';
import { alertDeliveryQueue } from './alert-channels.ts';
import { AlertEvaluator, ALERT_EVALUATOR_DEFAULTS, type AlertEvaluatorOptions } from '../../dashboard/alerting/alert-evaluator.ts';
import { PipelineReadings, type PipelineSources } from '../../dashboard/alerting/pipeline-readings.ts';
import { readSilences } from './silences-file.ts';

export type AlertEvaluatorFactory = (store: Store, pipeline?: PipelineSources) => AlertEvaluator;

/** Checks the settings now; the factory builds the evaluator (pipeline rules only with `pipeline`: not in a backfill). */
export function alerting(config: Config, env: Env, logger: Logger, options: AlertEvaluatorOptions = ALERT_EVALUATOR_DEFAULTS): AlertEvaluatorFactory {
  const rules = loadAlertRules(env);
  const queue = alertDeliveryQueue(config, env);
  return (store, pipeline) => {
    const evaluator = new AlertEvaluator(
      {
        rules: pipeline ? rules : rules.filter((r) => r.kind === 'business'),
        store,
        queue,
        logger,
        ...(pipeline ? { pipeline: new PipelineReadings(pipeline) } : {}),
        // A silences file that cannot be read silences nothing; the evaluation goes on.
        silences: () => {
          try {
            return readSilences(config);
          } catch (err) {
            logger.warn({ err }, 'the alert silences file cannot be read');
            return [];
          }
        },
      },
      options,
    );
    return evaluator;
  };
}
