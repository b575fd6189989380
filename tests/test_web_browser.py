"""The page in a real browser: Playwright drives Debian's headless Chromium against a real server."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from test_web_api import RENDER_TIMEOUT_S, WebServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RENDER_MS = RENDER_TIMEOUT_S * 1000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    running = WebServer(tmp_path_factory.mktemp("web-browser") / "data").start()
    yield running
    running.stop()


@pytest.fixture()
def page(tmp_path: Path):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.fail("Debian's chromium is missing: `make install` installs it (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 390, "height": 844},  # a phone
        )
        try:
            yield context.new_page()
        finally:
            context.close()


KEYFRAME_LOADED_JS = """() => {
  const img = document.querySelector("article.shot img");
  return img !== null && img.complete && img.naturalWidth > 0;
}"""

VIDEO_DURATION_JS = """() => new Promise((resolve) => {
  const video = document.getElementById("player");
  const report = () => resolve(video.duration);
  if (video.readyState >= 1) report();
  else video.addEventListener("loadedmetadata", report, { once: true });
})"""

PLAY_JS = """async () => {
  const video = document.getElementById("player");
  video.muted = true;
  await video.play();
  await new Promise((resolve) => setTimeout(resolve, 800));
  return video.currentTime;
}"""


def test_make_watch_and_redo_a_shot_in_the_browser(server: WebServer, page, astronaut: Path) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.url("/"))
    assert page.title() == "PersonaVlog studio"

    page.fill("#theme", "a morning at the farmers market")
    page.set_input_files("#reference", str(astronaut))
    page.wait_for_selector("#preview:not([hidden])")
    page.fill("#duration", "10")
    page.select_option("#aspect", "1:1")
    page.select_option("#resolution", "360p")
    page.click("details summary")
    page.fill("#fps", "12")
    page.fill("#seed", "3")
    page.click("#submit")

    # Progress shows up live: the status badge, then stages turning done one by one.
    page.wait_for_selector("#job:not([hidden])")
    page.wait_for_selector("#job-status[data-status='running']", timeout=RENDER_MS)
    page.wait_for_selector("#stages li.done[data-stage='persona']", timeout=RENDER_MS)
    page.wait_for_selector("#job-status[data-status='done']", timeout=RENDER_MS)

    # The storyboard: a card per shot with its keyframe, its monologue line and its critiques.
    cards = page.locator("article.shot")
    assert cards.count() >= 2
    first = cards.first
    first.scroll_into_view_if_needed()
    page.wait_for_function(KEYFRAME_LOADED_JS, timeout=30_000)
    assert first.locator(".line").inner_text().strip()
    assert first.locator(".critiques li").count() >= 1
    assert page.locator("#dl-video").get_attribute("href").endswith("/files/vlog.mp4")
    assert page.locator("#dl-zip").is_visible()
    assert page.locator("#shot-progress [data-shot]").count() == cards.count()
    assert page.locator("#stages li.done, #stages li.cached").count() >= 8

    # The video plays: the element knows its duration and its clock moves.
    duration = page.evaluate(VIDEO_DURATION_JS)
    assert math.isfinite(duration) and 8 < duration < 14
    assert page.evaluate(PLAY_JS) > 0

    # Redo the last shot with a note: the page shows the redo running, shot by shot, and locks further redos.
    # (What a redo changes is checked over the API in test_web_api.py; here the page's side of it.)
    shot = cards.last.get_attribute("data-shot")
    page.fill(f".redo-note[data-shot='{shot}']", "make it night and raining")
    page.click(f".redo-button[data-shot='{shot}']")
    page.wait_for_selector(f"#job-status:has-text('redo shot {shot}')", timeout=30_000)
    page.wait_for_selector("#job-status[data-status='running']", timeout=RENDER_MS)
    page.wait_for_selector(f"#shot-progress [data-shot='{shot}']:has-text('…')", timeout=RENDER_MS)
    assert page.locator(".redo-button:disabled").count() == cards.count()
    assert errors == []
