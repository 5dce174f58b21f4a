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
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait
    driver.delete_all_cookies()
    driver.get(base_url + '/auth/logout/')
    driver.get(base_url + '/auth/login/')
    driver.find_element(By.ID, 'id_username').send_keys(username)
    driver.find_element(By.ID, 'id_password').send_keys(password)
    driver.find_element(By.ID, 'loginBtn').click()
    WebDriverWait(driver, 30).until(ec.url_changes(base_url + '/auth/login/'))
    if '/auth/login' in driver.current_url:
        raise AssertionError(f'login as {username} failed')


def screenshot(driver, name: str) -> str:
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, name + '.png')
    driver.save_screenshot(path)
    return path
