"""Web client benchmark: the chat app's size and its first screen on loopback.

    .venv/bin/python bench/web.py [--runs 20]

Prints:
- the bundle: every JS and CSS file the client loads (index.html's stylesheet, its module
  graph and the vendored Preact + htm), each gzipped at level 9 as a server would send it,
  summed; Swagger UI and ReDoc (only on /docs and /redoc) are listed apart;
- the first screen: a real `parley serve` on a scratch SQLite database and Debian's Chromium
  (Playwright); for each run a fresh browser context (empty cache) opens `/` and the time from
  navigation start to the app's `parley:first-screen` mark (set in the frame after the first
  render, when the sign-in form takes input) is read from the page; also with a warm cache.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import re
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.async_api import async_playwright

from parley import migrate
from parley.settings import Settings
from parley.testing import start_server

STATIC = Path(__file__).resolve().parent.parent / "parley" / "web" / "static"
IMPORT = re.compile(r"""(?:import|from)\s*["']([^"']+)["']""")


def module_graph(entry: Path) -> set[Path]:
    seen: set[Path] = set()
    todo = [entry]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for target in IMPORT.findall(path.read_text()):
            if target.startswith("."):
                todo.append((path.parent / target).resolve())
    return seen


def gz(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 9))


def bundle() -> None:
    files = sorted(module_graph((STATIC / "js" / "main.js").resolve()) | {STATIC / "app.css"})
    raw = sum(f.stat().st_size for f in files)
    packed = sum(gz(f) for f in files)
    print(
        f"chat app: {len(files)} files, {raw / 1024:.1f} KiB raw, {packed / 1024:.1f} KiB gzipped"
    )
    vendor = STATIC / "vendor" / "preact-htm.js"
    print(f"  of which Preact + htm: {gz(vendor) / 1024:.1f} KiB gzipped")
    for name in ("swagger-ui/swagger-ui-bundle.js", "redoc/redoc.standalone.js"):
        print(f"  docs only, {name}: {gz(STATIC / 'vendor' / name) / 1024:.0f} KiB gzipped")


async def first_screen(url: str, runs: int) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        cold: list[float] = []
        for _ in range(runs):
            context = await browser.new_context()
            page = await context.new_page()
            await page.goto(f"{url}/")
            cold.append(await mark(page))
            await context.close()
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(f"{url}/")
        await mark(page)
        warm: list[float] = []
        for _ in range(runs):
            await page.goto(f"{url}/")
            warm.append(await mark(page))
        await browser.close()
    for label, values in (("cold cache", cold), ("warm cache", warm)):
        ordered = sorted(values)
        print(
            f"first screen ({label}, {runs} runs): median {statistics.median(values):.0f} ms,"
            f" max {ordered[-1]:.0f} ms"
        )


async def mark(page: object) -> float:
    value: float = await page.evaluate(  # type: ignore[attr-defined]
        """() => new Promise((done) => {
          const look = () => {
            const m = performance.getEntriesByName("parley:first-screen")[0];
            if (m) done(m.startTime); else setTimeout(look, 5);
          };
          look();
        })"""
    )
    return value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    bundle()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=f"sqlite+aiosqlite:///{tmp}/web.db",
            data_dir=Path(tmp),
            log_level="WARNING",
        )
        migrate.upgrade(settings.database_url)
        server = start_server(settings, tmp)
        try:
            asyncio.run(first_screen(server.url, args.runs))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
