// Sort a table by a clicked column: numbers by data-sort, text alphabetically.
// A URL ending in #sort=<column key>:asc or :desc opens the page sorted that way.
function sortTable(table, col, ascending) {
  const heads = Array.from(table.tHead.rows[0].cells);
  heads.forEach(h => h.removeAttribute("aria-sort"));
  const th = heads[col];
  th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  const numeric = th.dataset.type === "num";
  const body = table.tBodies[0];
  const keyed = Array.from(body.rows, row => {
    const cell = row.cells[col];
    const value = cell.dataset.sort ?? cell.textContent.trim();
    return [numeric ? parseFloat(value) : value.toLowerCase(), row];
  });
  keyed.sort((a, b) => {
    const order = numeric ? a[0] - b[0] : a[0].localeCompare(b[0]);
    return ascending ? order : -order;
  });
  const rows = document.createDocumentFragment();
  keyed.forEach(pair => rows.appendChild(pair[1]));
  body.appendChild(rows);
  document.body.dataset.sorted = (th.dataset.key || col) + ":" + (ascending ? "asc" : "desc");
}

for (const table of document.querySelectorAll("table.sortable")) {
  Array.from(table.tHead.rows[0].cells).forEach((th, col) => th.addEventListener("click", () => {
    sortTable(table, col, th.getAttribute("aria-sort") !== "ascending");
  }));
}

const wanted = /^#sort=([^:]+):(asc|desc)$/.exec(decodeURIComponent(location.hash));
if (wanted) {
  for (const table of document.querySelectorAll("table.sortable")) {
    const col = Array.from(table.tHead.rows[0].cells).findIndex(th => th.dataset.key === wanted[1]);
    if (col >= 0) {
      sortTable(table, col, wanted[2] === "asc");
      break;
    }
  }
}
document.body.dataset.sortable = "ready";
