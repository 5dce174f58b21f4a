"""Real Chromium (Debian chromium + chromedriver, headless) against the stack's real Horizon."""
from __future__ import annotations

import os

import pytest


HERE = os.path.dirname(os.path.abspath(__file__))
ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(HERE)), 'tests', 'artifacts', 'screenshots')
CHROME_FLAGS = ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                '--disable-background-networking', '--disable-component-update', '--disable-sync',
                '--disable-dev-shm-usage', '--window-size=1400,1000')


def pytest_collection_modifyitems(config, items):
    for item in items:
        if str(item.fspath).startswith(HERE + os.sep):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.stack)


def start_chrome():
    """Headless Chromium under chromedriver (also used by bench/log_latency.py); the caller quits it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = '/usr/bin/chromium'
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    # no password manager: it fills the login form with the last user's login, racing the test's own
    options.add_experimental_option('prefs', {'credentials_enable_service': False,
                                              'profile.password_manager_enabled': False,
                                              'autofill.profile_enabled': False})
    driver = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=options)
    driver.set_page_load_timeout(60)
    return driver


@pytest.fixture(scope='session')
def chrome():
    driver = start_chrome()
    try:
        yield driver
    finally:
        driver.quit()


def login(driver, base_url: str, username: str, password: str) -> None:
    """Log in to Horizon as `username`, whoever was logged in before; fails unless Horizon then shows
    that user."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    # Every cookie of every origin: delete_all_cookies() only reaches the current page's origin (nothing
    # when a private Horizon of an earlier test is gone), and Horizon's logout no longer takes a GET.
    driver.execute_cdp_cmd('Network.clearBrowserCookies', {})
    driver.get(base_url + '/auth/login/')
    if not driver.find_elements(By.ID, 'id_username') and driver.find_elements(By.CSS_SELECTOR, '.user-menu form'):
        # still logged in (as someone): sign out the way the user menu does, with a POST
        driver.execute_script("document.querySelector('.user-menu form').submit();")
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.ID, 'id_username'))
    if not driver.find_elements(By.ID, 'id_username'):
        raise AssertionError(f'no login form at {driver.current_url}: {driver.title!r}')
    # set the values outright: typing would add to whatever the browser may have filled in
    driver.execute_script("document.getElementById('id_username').value = arguments[0];"
                          "document.getElementById('id_password').value = arguments[1];", username, password)
    driver.find_element(By.ID, 'loginBtn').click()
    from selenium.common.exceptions import TimeoutException
    try:
        shown = WebDriverWait(driver, 30).until(
            lambda d: ('/auth/login' not in d.current_url
                       and [e.text for e in d.find_elements(By.CSS_SELECTOR, '.user-menu .user-name')]))
    except TimeoutException:
        raise AssertionError(f'login as {username}: no user menu after 30 s at {driver.current_url} '
                             f'({driver.title!r})') from None
    if shown != [username]:
        raise AssertionError(f'login as {username} failed: Horizon shows {shown} at {driver.current_url}')


def screenshot(driver, name: str) -> str:
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, name + '.png')
    driver.save_screenshot(path)
    return path
