import { describe, expect, it } from 'vitest';
import { expandTemplate, unknownPlaceholder } from './template.ts';

describe('the annotation template', () => {
  it('puts in labels and the value, with or without spaces in the braces', () => {
    expect(expandTemplate('{{ $labels.component }} retried {{$value}} times ({{ $labels.severity }})', { component: 'connector', severity: 'warning' }, 4)).toBe(
      'connector retried 4 times (warning)',
    );
    expect(expandTemplate('ratio {{ $value }}', {}, 0.0125)).toBe('ratio 0.0125');
    expect(expandTemplate('{{ $value }}', {}, Number.NaN)).toBe('NaN');
  });

  it('leaves a missing label empty and runs no code', () => {
    expect(expandTemplate('[{{ $labels.nothere }}]', {}, 1)).toBe('[]');
    expect(expandTemplate('{{ $labels.constructor }}', {}, 1)).toBe('');
    expect(unknownPlaceholder('{{ $value }} and {{ process.exit() }}')).toBe('{{ process.exit() }}');
    expect(unknownPlaceholder('{{ $labels.a }} {{ $value }}')).toBeUndefined();
  });
});
