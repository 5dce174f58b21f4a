"""Helpers of the browser journeys (tests/browser/test_journeys_*.py): bounded waits, Horizon's table rows,
row actions, modals and themable selects, as a person uses them, and a no-reload marker."""
from __future__ import annotations

import re
import time
import uuid
from typing import Any, Callable

from selenium.common.exceptions import StaleElementReferenceException
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

CONTAINERS = '/project/docker_containers/'
IMAGES = '/project/docker_images/'
BOOT_SECONDS = 180
ACTION_SECONDS = 90


def unique(prefix: str) -> str:
    return f'{prefix}-{uuid.uuid4().hex[:6]}'


def wait(driver, timeout: float = 30) -> WebDriverWait:
    return WebDriverWait(driver, timeout, poll_frequency=0.25,
                         ignored_exceptions=(StaleElementReferenceException,))


def until(driver, condition: Callable[[Any], Any], timeout: float, message: str | Callable[[], str]) -> Any:
    """WebDriverWait with a message that describes the last state seen when it times out."""
    try:
        return wait(driver, timeout).until(condition)
    except Exception as error:  # TimeoutException: say what was expected and what was there
        text = message() if callable(message) else message
        raise AssertionError(f'timed out after {timeout}s waiting for {text}') from error


def open_page(driver, base: str, path: str) -> None:
    driver.get(base + path)
    until(driver, lambda d: d.execute_script('return document.readyState') == 'complete', 60, path)


def mark_page(driver) -> None:
    """A marker that only survives as long as the browser does not load another page."""
    driver.execute_script('window.__journeyMark = 1;')


def page_not_reloaded(driver) -> bool:
    return driver.execute_script('return window.__journeyMark === 1;')


def row_id(server_id: str) -> str:
    return f'containers__row__{server_id}'


def row_cells(driver, table_row_id: str) -> dict:
    """Column header -> text of one row (empty dict when the row is not on the page); '__classes' holds
    the row's classes (Horizon marks rows it keeps refreshing with 'warning ajax-update')."""
    return driver.execute_script(
        "var row = document.getElementById(arguments[0]); if (!row) { return {}; }"
        "var heads = row.closest('table').querySelectorAll('thead tr:last-child th');"
        "var out = {__classes: row.className};"
        "row.querySelectorAll(':scope > td').forEach(function (td, i) {"
        "  var name = heads[i] ? heads[i].textContent.replace(/\\s+/g, ' ').trim() : String(i);"
        "  out[name || String(i)] = td.textContent.replace(/\\s+/g, ' ').trim(); });"
        "return out;", table_row_id)


def wait_row(driver, table_row_id: str, predicate: Callable[[dict], bool], timeout: float, what: str) -> dict:
    """Wait until the row's cells satisfy `predicate` (the page updates the row by itself)."""
    seen: dict = {}

    def check(d):
        seen.clear()
        seen.update(row_cells(d, table_row_id))
        return seen if seen and predicate(seen) else None
    return until(driver, check, timeout, lambda: f'{what}; row was {seen}')


def row_action(driver, table_row_id: str, action: str) -> None:
    """Click a row action: the row's own button, or the one in its "More" dropdown."""
    row = driver.find_element(By.ID, table_row_id)
    button = row.find_element(By.CSS_SELECTOR, f'[id$="__action_{action}"]')
    if not button.is_displayed():
        row.find_element(By.CSS_SELECTOR, '.btn-group .dropdown-toggle').click()
        until(driver, lambda d: button.is_displayed(), 10, f'the "{action}" entry of the actions menu')
    button.click()


def confirm_modal(driver) -> None:
    """Accept Horizon's confirmation dialog (danger and confirm actions) when one opens."""
    buttons = driver.find_elements(By.CSS_SELECTOR, '.modal.in .modal-footer .btn-primary, '
                                                    '.modal.in .modal-footer .btn-danger')
    if not buttons:
        return
    buttons[0].click()


def wait_modal(driver, timeout: float = 30):
    """The dialog's form, once loaded (Horizon shows a "loading" dialog first)."""
    return until(driver, ec.visibility_of_element_located((By.CSS_SELECTOR, '.modal.in:not(.loading) form')),
                 timeout, 'a dialog to open')


def choose(driver, select_id: str, value: str) -> None:
    """Pick an option of a Horizon themable select the way a person does: open it, click the entry."""
    select = driver.find_element(By.ID, select_id)
    widget = select.find_element(By.XPATH, './ancestor::div[contains(@class, "themable-select")]')
    widget.find_element(By.CSS_SELECTOR, '.dropdown-toggle').click()
    entry = widget.find_element(By.CSS_SELECTOR, f'a[data-select-value="{value}"]')
    until(driver, lambda d: entry.is_displayed(), 10, f'option {value} of {select_id}')
    entry.click()
    until(driver, lambda d: select.get_attribute('value') == value, 10, f'{select_id} = {value}')


def option_value(driver, select_id: str, label_pattern: str) -> str:
    """The value of the option of a select whose label matches `label_pattern` (a regex)."""
    for option in driver.find_elements(By.CSS_SELECTOR, f'#{select_id} option'):
        if re.search(label_pattern, option.get_attribute('textContent') or ''):
            return option.get_attribute('value')
    labels = [o.get_attribute('textContent').strip()
              for o in driver.find_elements(By.CSS_SELECTOR, f'#{select_id} option')]
    raise AssertionError(f'no option matching {label_pattern!r} in #{select_id}: {labels}')


def messages(driver) -> str:
    """Text of Horizon's toast messages on the page."""
    return ' '.join(e.text for e in driver.find_elements(By.CSS_SELECTOR, '.messages .alert, #main_content .alert'))


def tab_text(driver, tab_group: str, slug: str, timeout: float = 30) -> str:
    """Open a detail tab (lazily loaded ones included) and return its text once it has content."""
    driver.find_element(By.CSS_SELECTOR, f'a[data-target="#{tab_group}__{slug}"]').click()
    pane = driver.find_element(By.ID, f'{tab_group}__{slug}')
    until(driver, lambda d: pane.is_displayed() and pane.text.strip() and 'Loading' not in pane.text
          and not pane.find_elements(By.CSS_SELECTOR, '.loading, .horizon-loading-bar'),
          timeout, f'tab {slug} to load')
    return pane.text


def poll(predicate: Callable[[], Any], timeout: float, message: str, interval: float = 1.0) -> Any:
    """Bounded polling of something outside the browser (Nova, Glance)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except WebDriverException:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out after {timeout}s waiting for {message}')
        time.sleep(interval)


def next_to_review(driver, review_id: str, max_steps: int = 8) -> None:
    """Click a workflow's Next until its Review step shows, keeping the defaults of the steps between
    (so a step added to a wizard does not break the journeys that pass through it)."""
    next_button = driver.find_element(By.CSS_SELECTOR, '.modal.in .button-next')
    for _step in range(max_steps):
        if driver.find_element(By.ID, review_id).is_displayed():
            break
        next_button.click()
        time.sleep(0.3)  # the next step's tab is shown by Bootstrap's transition
    until(driver, lambda d: d.find_element(By.ID, review_id).is_displayed(), 10, 'the Review step')
