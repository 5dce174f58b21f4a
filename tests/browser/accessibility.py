"""Basic accessibility checks run inside the page (no extra dependency): form fields have labels, images
have alt text, buttons and links have a name, the page has a heading, text coloured by the plugin's own
CSS has enough contrast (WCAG AA: 4.5, 3 for large text), and controls are reachable with the Tab key."""
from __future__ import annotations

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

# Horizon's own markup, not ours, with its known gaps (each checked by name so a new gap still fails):
# the table filter's text field and field chooser, the icon-only close "x" of dialogs and messages, and
# the mouse-only up/down buttons of number fields (the field itself takes the arrow keys), and the caret
# that opens the "more actions" menu of a table row or a detail page.
HORIZON_OWNED = ('input[name$="__filter__q"]', 'select[name$="__filter__q_field"]', '.modal-header a.close',
                 '.alert a.close', '.themable-spinner-btn', '.btn-group > a.dropdown-toggle')
# What docker_dashboard.css colours (Horizon's theme colours the rest): the contrast check looks at these.
OWN_COLOURS = '.docker-live-logs .live-log-view, .docker-dashboard .stream-stderr, .docker-dashboard .host-unreachable'

CHECK = r"""
var roots = Array.from(document.querySelectorAll(arguments[0]));
var skip = arguments[1], ownColours = arguments[2], rootSelector = arguments[0];
var problems = [];
function describe(el) {
  var s = el.tagName.toLowerCase();
  if (el.id) { s += '#' + el.id; }
  if (el.name) { s += '[name=' + el.name + ']'; }
  if (el.className && typeof el.className === 'string') { s += '.' + el.className.trim().split(/\s+/).join('.'); }
  return s;
}
function skipped(el) { return skip.some(function (sel) { return el.matches(sel); }); }
function visible(el) {
  var r = el.getBoundingClientRect(), st = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none';
}
function labelText(el) {
  var text = '';
  if (el.id) {
    document.querySelectorAll('label[for="' + CSS.escape(el.id) + '"]').forEach(function (l) { text += l.textContent; });
  }
  var wrapping = el.closest('label');
  if (wrapping) { text += wrapping.textContent; }
  text += el.getAttribute('aria-label') || '';
  (el.getAttribute('aria-labelledby') || '').split(/\s+/).forEach(function (id) {
    var ref = id && document.getElementById(id); if (ref) { text += ref.textContent; }
  });
  text += el.getAttribute('title') || '';
  return text.trim();
}
function name(el) {
  var text = (el.innerText || el.textContent || '') + (el.getAttribute('aria-label') || '') + (el.getAttribute('title') || '')
             + (el.value && el.tagName === 'INPUT' ? el.value : '');
  el.querySelectorAll('img[alt]').forEach(function (i) { text += i.alt; });
  return text.trim();
}
function rgba(value) {
  var m = value.match(/rgba?\(([^)]+)\)/); if (!m) { return [0, 0, 0, 0]; }
  var p = m[1].split(',').map(parseFloat); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
}
function luminance(c) {
  var v = c.slice(0, 3).map(function (x) { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
  return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
}
function background(el) {
  for (var e = el; e; e = e.parentElement) {
    var c = rgba(getComputedStyle(e).backgroundColor); if (c[3] > 0.5) { return c; }
  }
  return [255, 255, 255, 1];
}
roots.forEach(function (root) {
  root.querySelectorAll('input, select, textarea').forEach(function (el) {
    if (skipped(el) || ['hidden', 'submit', 'button', 'reset'].indexOf(el.type) >= 0) { return; }
    // a themable select hides its <select>: the label still has to name it
    if (!visible(el) && !el.closest('.themable-select')) { return; }
    if (!labelText(el)) { problems.push('form field without a label: ' + describe(el)); }
  });
  root.querySelectorAll('img').forEach(function (el) {
    if (!el.hasAttribute('alt')) { problems.push('image without alt text: ' + describe(el)); }
  });
  root.querySelectorAll('button, a[href], [role=button]').forEach(function (el) {
    if (skipped(el) || !visible(el)) { return; }
    if (!name(el)) { problems.push('control without a name: ' + describe(el)); }
  });
  root.querySelectorAll('h1, h2, h3, h4, h5, h6').forEach(function (el) {
    if (visible(el) && !el.textContent.trim()) { problems.push('empty heading: ' + describe(el)); }
  });
  var ours = root.matches(ownColours) ? [root] : [];
  ours.concat(Array.from(root.querySelectorAll(ownColours))).forEach(function (scope) {
    [scope].concat(Array.from(scope.querySelectorAll('*'))).forEach(function (el) {
      var own = Array.from(el.childNodes).some(function (n) { return n.nodeType === 3 && n.textContent.trim(); });
      if (!own || !visible(el)) { return; }
      var st = getComputedStyle(el), fg = rgba(st.color), bg = background(el);
      var alpha = fg[3] * parseFloat(st.opacity || '1');
      fg = [0, 1, 2].map(function (i) { return fg[i] * alpha + bg[i] * (1 - alpha); });
      var l1 = luminance(fg), l2 = luminance(bg);
      var ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      var size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight, 10) >= 700;
      var needed = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
      if (ratio < needed) {
        problems.push('contrast ' + ratio.toFixed(2) + ' < ' + needed + ': ' + describe(el) + ' "' +
                      el.textContent.trim().slice(0, 40) + '"');
      }
    });
  });
});
if (!document.querySelector('h1, h2, h3, h4, h5, h6')) { problems.push('page without a heading'); }
if (!roots.length) { problems.push('nothing matched ' + rootSelector); }
return problems;
"""


def problems(driver, roots: str = '#content_body, .modal.in') -> list:
    """Accessibility problems inside the elements matching `roots` (a CSS selector list)."""
    return driver.execute_script(CHECK, roots, list(HORIZON_OWNED), OWN_COLOURS)


def assert_accessible(driver, roots: str = '#content_body, .modal.in') -> None:
    found = problems(driver, roots)
    assert not found, 'accessibility problems on %s:\n  %s' % (driver.current_url, '\n  '.join(found))


def reached_by_tab(driver, selectors: list, max_presses: int = 150) -> dict:
    """Press Tab from the top of the page (bounded) and say, for each CSS selector, whether focus landed
    on an element matching it: what a keyboard-only user can reach."""
    driver.execute_script('document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);')
    reached = {selector: False for selector in selectors}
    seen = set()
    for _ in range(max_presses):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        focus = driver.execute_script(
            'var e = document.activeElement; if (!e || e === document.body) { return null; }'
            'return {key: Array.prototype.indexOf.call(document.querySelectorAll("*"), e),'
            '        matches: arguments[0].map(function (s) { return e.matches(s); })};', selectors)
        if focus is None:
            continue
        if focus['key'] in seen:   # focus went round the page once
            break
        seen.add(focus['key'])
        for selector, matched in zip(selectors, focus['matches']):
            reached[selector] = reached[selector] or matched
        if all(reached.values()):
            break
    return reached


def assert_reachable_by_keyboard(driver, selectors: list) -> None:
    reached = reached_by_tab(driver, selectors)
    missing = [selector for selector, ok in reached.items() if not ok]
    assert not missing, f'not reachable with the Tab key on {driver.current_url}: {missing}'
