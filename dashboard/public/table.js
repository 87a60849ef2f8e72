/* global document */
// Table bodies built from text cells (ids and labels come from the data, so text, never markup).

/**
 * Replaces `body`'s rows with one per entry of `rows`, each a list of [text, class] cells; no rows
 * gives one row saying `emptyText` across `columns` cells.
 */
export function fillTable(body, rows, columns, emptyText) {
  body.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement('tr');
      for (const [text, cls] of cells) {
        const td = tr.insertCell();
        td.textContent = text;
        if (cls) td.className = cls;
      }
      return tr;
    }),
  );
  if (rows.length === 0) {
    const empty = body.insertRow().insertCell();
    empty.colSpan = columns;
    empty.className = 'empty';
    empty.textContent = emptyText;
  }
}
