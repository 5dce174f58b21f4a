/* docker-dashboard Containers table, Usage column: after the page renders, ONE request per Docker host
 * (cells grouped by data-usage-group) with the signed tickets of that host's running rows; each cell
 * then shows CPU and memory as text. Rows Horizon refreshes later get their own request. */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || window.dockerDashboardUsage) { return; }
  var cfg = script.dataset;

  function bytes(value) {
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return (unit ? value.toFixed(1) : Math.round(value)) + ' ' + units[unit];
  }

  function show(cell, usage) {
    cell.dataset.usageDone = '1';
    if (!usage) { cell.textContent = '-'; return; }
    cell.textContent = usage.error ? usage.error : cfg.textCpu + ' ' + usage.cpu_percent.toFixed(1) + ' % \u00b7 ' +
      cfg.textMemory + ' ' + bytes(usage.memory_used) + ' (' + usage.memory_percent.toFixed(0) + ' %)';
  }

  function fetchGroup(cells) {
    var params = new URLSearchParams();
    cells.forEach(function (cell) { cell.dataset.usageDone = 'pending'; params.append('t', cell.dataset.usageTicket); });
    fetch(cfg.usageUrl + '?' + params.toString(), {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
      .then(function (response) { return response.ok ? response.json() : {usage: {}}; })
      .catch(function () { return {usage: {}}; })
      .then(function (body) {
        cells.forEach(function (cell) {
          var row = cell.closest('tr');
          show(cell, body.usage[row ? row.dataset.objectId : '']);
        });
      });
  }

  function scan() {
    var groups = {};
    document.querySelectorAll('td[data-usage-ticket]:not([data-usage-done])').forEach(function (cell) {
      (groups[cell.dataset.usageGroup] = groups[cell.dataset.usageGroup] || []).push(cell);
    });
    Object.keys(groups).forEach(function (group) { fetchGroup(groups[group]); });
  }

  window.dockerDashboardUsage = {scan: scan};
  var pending = null;
  new MutationObserver(function () {
    clearTimeout(pending);
    pending = setTimeout(scan, 200);   // a refreshed row replaces its cells: sample those too
  }).observe(document.body, {childList: true, subtree: true});
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', scan); } else { scan(); }
}());
