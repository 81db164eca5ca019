"""A small W3C WebDriver client (https://www.w3.org/TR/webdriver2/) over HTTP, for the browser tests: Debian's
chromium driven by its chromedriver, both from the system's packages (scripts/install-system-deps.sh)."""

from __future__ import annotations

import base64
import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from .helpers import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
#: The flags of a headless run that asks nothing of the network beyond the pages it is sent to.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,1400", "--disable-dev-shm-usage"]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def available() -> bool:
    return Path(CHROMIUM).is_file() and Path(CHROMEDRIVER).is_file()


class Browser:
    """One browser session: open pages, run scripts, find elements, take screenshots."""

    def __init__(self, driver: str, session: str, client: httpx.Client) -> None:
        self.url, self.client = f"{driver}/session/{session}", client

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        answer = self.client.request(method, self.url + path, json=body)
        value = answer.json()["value"]
        if answer.status_code >= 400:
            raise RuntimeError(f"WebDriver {path}: {value.get('error')}: {value.get('message')}")
        return value

    def open(self, url: str) -> None:
        self._call("POST", "/url", {"url": url})

    def run(self, script: str, *args: Any) -> Any:
        """Run a script in the page (its ``arguments`` are ``args``) and return its value."""
        return self._call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def run_async(self, script: str, *args: Any) -> Any:
        """Run a script whose last argument is the callback that returns its value."""
        return self._call("POST", "/execute/async", {"script": script, "args": list(args)})

    def wait_for(self, script: str, *args: Any, timeout: float = 120) -> Any:
        """Wait until a script returns a true value (the browser works at the machine's pace)."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.run(script, *args)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"the page never satisfied: {script}")
            time.sleep(0.2)

    def click(self, css: str) -> None:
        element = self._call("POST", "/element", {"using": "css selector", "value": css})
        self._call("POST", f"/element/{element[ELEMENT]}/click", {})

    def type(self, css: str, text: str) -> None:
        element = self._call("POST", "/element", {"using": "css selector", "value": css})
        self._call("POST", f"/element/{element[ELEMENT]}/value", {"text": text})

    def screenshot(self, path: Path, full_page: bool = False) -> Path:
        """A PNG of the window (or, with ``full_page``, of the page up to 6000 pixels tall) kept at ``path``."""
        if full_page:
            height = min(int(self.run("return document.documentElement.scrollHeight")), 6000)
            self._call("POST", "/window/rect", {"width": 1400, "height": height})
        path.write_bytes(base64.b64decode(self._call("GET", "/screenshot")))
        if full_page:
            self._call("POST", "/window/rect", {"width": 1400, "height": 1400})
        return path


def finished_download(folder: Path, before: set[Path], suffix: str, timeout: float = 300) -> Path:
    """The one file with ``suffix`` that appeared in ``folder`` since ``before``, once the browser has finished it.

    Chromium writes into a ``*.crdownload`` partial file and renames it when it is done, so a download is
    finished only when its file is there and no partial file is left."""
    deadline = time.monotonic() + timeout
    while True:
        present = set(folder.iterdir())
        new = present - before
        done = [f for f in new if f.suffix == suffix]
        if done and not any(f.suffix == ".crdownload" for f in present):
            if len(done) != 1:
                raise AssertionError(f"more than one {suffix} file was downloaded: {sorted(f.name for f in done)}")
            return done[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"no finished {suffix} download in {folder} after {timeout} s: "
                                 f"{sorted(f.name for f in new)}")
        time.sleep(0.2)


@contextlib.contextmanager
def browser(profile: Path, downloads: Path | None = None) -> Iterator[Browser]:
    """A headless chromium with an empty profile in ``profile``, through chromedriver on a free port; files it
    downloads go to ``downloads`` (without asking)."""
    port = free_port()
    driver = subprocess.Popen([CHROMEDRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=300) as client:
            for _ in range(600):
                with contextlib.suppress(httpx.TransportError):
                    if client.get(url + "/status").json()["value"]["ready"]:
                        break
                time.sleep(0.1)
            options: dict[str, Any] = {"binary": CHROMIUM, "args": [*FLAGS, f"--user-data-dir={profile}"]}
            if downloads is not None:
                options["prefs"] = {"download.default_directory": str(downloads), "download.prompt_for_download": False,
                                    "download.directory_upgrade": True, "safebrowsing.enabled": False}
            answer = client.post(url + "/session", json={"capabilities": {"alwaysMatch": {
                "browserName": "chrome", "goog:chromeOptions": options}}}).json()["value"]
            if "sessionId" not in answer:
                raise RuntimeError(f"chromedriver started no session: {answer}")
            session = Browser(url, answer["sessionId"], client)
            try:
                yield session
            finally:
                client.delete(f"{url}/session/{answer['sessionId']}")
    finally:
        driver.terminate()
        driver.wait(timeout=60)
