/* global Option */
// The header's controls: range (relative or custom, UTC) and the brand and category filters,
// whose choices come from the archive.
import { api } from '../api.js';
import { $ } from '../page.js';
import { throttled } from '../throttle.js';
import { custom, view } from '../view.js';

/** Reads the controls into the view on each change; onChange() once the chosen range is complete. */
export function wireControls(onChange) {
  const read = () => {
    view.range = $('range').value;
    view.brand = $('brand').value;
    view.category = $('category').value;
    $('custom-range').hidden = !custom();
    if (custom() && (!view.from || !view.to)) return;
    onChange();
  };
  for (const id of ['range', 'brand', 'category']) $(id).addEventListener('change', read);
  $('controls').addEventListener('submit', (e) => {
    e.preventDefault();
    view.from = $('from').value;
    view.to = $('to').value;
    read();
  });
}

/** The brands and categories the archive holds; refreshed, keeping the current choice. */
async function loadFilters() {
  const { brands, categories } = await api('filters', { limit: 100 });
  const fill = (select, values) => {
    const current = select.value;
    while (select.options.length > 1) select.remove(1);
    for (const v of values.includes(current) || !current ? values : [current, ...values]) select.add(new Option(v, v));
    select.value = current;
  };
  fill($('brand'), brands);
  fill($('category'), categories);
}
export const refreshFilters = throttled(loadFilters, 15_000);
