// `clv evaluate`'s report as a table for a person: the totals, then the means by calibration
// repeat orders (Fader, Hardie & Lee 2005, fig. 4).
import type { ClvEvaluationReport } from './clv.ts';

const fixed = (n: number | null, digits = 3) => (n === null ? '-' : n.toFixed(digits));

export function evaluationTable(report: ClvEvaluationReport): string {
  const m = report.model;
  const lines = [
    `calibration: orders before ${report.calibration_end}; holdout: ${report.calibration_end} .. ${report.holdout_end} (${fixed(report.holdout_days, 2)} days)`,
    `model: r ${m.r.toPrecision(4)}, alpha ${m.alpha.toPrecision(4)}, a ${m.a.toPrecision(4)}, b ${m.b.toPrecision(4)} (${m.customers} customers, ${m.repeat_customers} with a repeat order)`,
    '',
    `customers                 ${report.customers}`,
    `repeat orders predicted   ${fixed(report.total_predicted, 1)}`,
    `repeat orders actual      ${report.total_actual}`,
    `mean absolute error       ${fixed(report.mean_absolute_error)} per customer`,
    '',
    'calibration repeat orders  customers  mean predicted  mean actual',
    ...report.by_frequency.map(
      (g) => `${g.calibration_repeat_orders.padStart(25)}  ${String(g.customers).padStart(9)}  ${fixed(g.mean_predicted).padStart(14)}  ${fixed(g.mean_actual).padStart(11)}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
