"""A crawl of what each role sees, in Chinese, on a desktop and a phone: every page of the role's left menu (read
from the rendered menu) and, on the phone, the first record each page links to. On each page it notes

- a response of 400 or more (the page, its scripts, styles, icons and the requests its scripts make),
- an error in the browser console or an uncaught script error,
- a page wider than the window (document.scrollingElement.scrollWidth > innerWidth),
- English left in the Chinese interface: a visible word that is a word of the interface's own English texts
  (the msgids of the translation catalogue), outside e-mail addresses, links, codes and an allow-list.

tests/test_crawl.py runs it against the demo company; `python -m tests.crawl URL` runs it against a running server
(e.g. `guanxi run`) and prints what it found.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PO_FILE = Path(__file__).resolve().parent.parent / "guanxi/locale/zh_Hans/LC_MESSAGES/django.po"
PASSWORD = "Guanxi-demo-2026"
WIDTHS = {1366: 800, 390: 844}  # the desktop first: it reads the menu
# admin, a sales rep, the sales manager, finance, a department manager (approves deals and claims).
ROLES = ("admin", "zhangwei", "chenjing", "hejun", "wangqiang")

# English that belongs in a Chinese interface: names of the product, formats and keys, units.
ALLOWED_WORDS = {
    "guanxi", "crm", "api", "pdf", "csv", "xlsx", "xls", "excel", "wps", "office", "url", "html", "json", "utf",
    "gbk", "ctrl", "enter", "esc", "tab", "shift", "alt", "yyyy", "hh", "mm", "dd", "openapi", "token", "bearer",
    "ip", "id", "cny", "rmb", "vip", "erp", "oa", "saas", "sms", "wechat", "qq", "http", "https", "www",
    "true", "false",  # values typed into a rule's condition
    "webhook", "webhooks", "ping", "icalendar",  # technical terms Chinese software keeps in English
}  # fmt: skip
# A word of the interface's English must be this long to count (short ones are too often codes or initials).
MIN_WORD = 3

# The script that reads a page: its width, and its visible text outside inputs, code and hidden elements.
READ_PAGE = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const skip = (el) => el.closest('script,style,noscript,template,code,kbd,pre,samp,[hidden],.visually-hidden,'
                                  + '[data-user-text],.ts-dropdown,.flatpickr-calendar');
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const text = node.nodeValue.trim();
    if (!text || !/[A-Za-z]{3}/.test(text)) continue;
    const el = node.parentElement;
    if (!el || skip(el)) continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || (box.width === 0 && box.height === 0)) continue;
    out.push(text);
  }
  for (const el of document.querySelectorAll('input[placeholder],textarea[placeholder]')) {
    if (el.offsetParent !== null && /[A-Za-z]{3}/.test(el.placeholder)) out.push(el.placeholder);
  }
  const wide = [];
  if (document.scrollingElement.scrollWidth > window.innerWidth) {
    for (const el of document.querySelectorAll('main *, header *, aside *')) {
      const r = el.getBoundingClientRect();
      if (r.right > window.innerWidth + 1 && r.width > 0 && getComputedStyle(el).position !== 'fixed') {
        wide.push((el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + [...el.classList].join('.'))
                  .slice(0, 80));
        if (wide.length >= 3) break;
      }
    }
  }
  return {texts: out, scrollWidth: document.scrollingElement.scrollWidth, innerWidth: window.innerWidth, wide};
}"""

# Wait until htmx has nothing in flight (fragments that load themselves) and the page's own scripts have run.
SETTLED = """() => new Promise((resolve) => {
  let quiet = 0;
  const tick = () => {
    const busy = document.querySelector('.htmx-request') || document.readyState !== 'complete';
    quiet = busy ? 0 : quiet + 1;
    if (quiet >= 3) resolve(true); else setTimeout(tick, 50);
  };
  tick();
})"""

DETAIL_PATH = re.compile(r"^/[a-z0-9/_-]*?/\d+/$")
NOISE = re.compile(
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+"  # e-mail
    r"|https?://\S+|www\.\S+"  # links
    r"|\b[\w-]*\d[\w-]*\b"  # codes with digits (HX-2026-0001, 91110000…, v2)
    r"|\b[A-Z]{2,}[A-Za-z]*\b"  # acronyms and codes in capitals
    r"|[\w-]+\.(?i:pdf|xlsx|csv|docx?|png|jpe?g|zip)\b"  # file names
    r"|\{\{\s*\w+\s*\}\}",  # merge fields of campaign and greeting templates ({{ name }}), typed as they are
)


@dataclass(frozen=True)
class Finding:
    role: str
    width: int
    url: str
    problem: str

    def __str__(self) -> str:
        return f"{self.url} | {self.role} | {self.width}px | {self.problem}"


@cache
def interface_words() -> frozenset[str]:
    """Lower-case words of the interface's English (the catalogue's msgids, placeholders removed)."""
    text = PO_FILE.read_text(encoding="utf-8")
    ids = re.findall(r'^msgid "(.*)"$|^"(.*)"$', text, flags=re.M)
    words: set[str] = set()
    for a, b in ids:
        chunk = re.sub(r"%\(\w+\)[sd]|%[sd]|\{[^}]*\}|<[^>]+>", " ", a or b)
        words.update(w.lower() for w in re.findall(r"[A-Za-z]+", chunk) if len(w) >= MIN_WORD)
    return frozenset(words - ALLOWED_WORDS)


def english_left(texts: Iterable[str]) -> list[str]:
    """The visible texts that still read as the interface's English."""
    vocabulary = interface_words()
    found = []
    for text in texts:
        cleaned = NOISE.sub(" ", text)
        words = [w for w in re.findall(r"[A-Za-z]+", cleaned) if len(w) >= MIN_WORD]
        hits = [w for w in words if w.lower() in vocabulary]
        if hits:
            found.append(text[:80])
    return found


class Crawler:
    def __init__(self, browser: Any, base_url: str, *, log: Callable[[str], None] = lambda _m: None) -> None:
        self.browser = browser
        self.base = base_url.rstrip("/")
        self.findings: list[Finding] = []
        self.log = log
        self.visited = 0

    def note(self, role: str, width: int, url: str, problem: str) -> None:
        finding = Finding(role, width, url, problem)
        if finding not in self.findings:
            self.findings.append(finding)
            self.log(str(finding))

    def crawl(self, roles: Iterable[str] = ROLES, widths: Iterable[int] = tuple(WIDTHS)) -> list[Finding]:
        for role in roles:
            pages: list[str] = []
            for width in widths:
                pages = self.crawl_role(role, width, pages)
        return self.findings

    def crawl_role(self, role: str, width: int, pages: list[str]) -> list[str]:
        """Signs in as `role` at `width`, visits its menu's pages (read at the first width) and their first
        records; returns the pages visited, so the next width visits the same ones."""
        context = self.browser.new_context(
            viewport={"width": width, "height": WIDTHS.get(width, 844)}, locale="zh-CN", base_url=self.base
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        current = {"url": ""}
        page.on("console", lambda m: self._console(role, width, current["url"], m))
        page.on("pageerror", lambda e: self.note(role, width, current["url"], f"script error: {e}"[:200]))
        page.on("response", lambda r: self._response(role, width, current["url"], r))
        try:
            current["url"] = "/login/"
            page.goto("/login/")
            page.fill("input[name=username]", role)
            page.fill("input[name=password]", PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_url(lambda u: "/login/" not in u)
            # The interface language: the user's own choice wins over the browser's; the crawl reads Chinese.
            if page.evaluate("document.documentElement.lang") != "zh-hans":
                page.locator("form[action$='/language/'] button[value='zh-hans']").click()
                page.wait_for_load_state()
            if not pages:
                # The first width reads the menu and notes each page's first record; the next ones visit both (a
                # record's page is checked at the phone's width, where it is most likely to break).
                menu = page.eval_on_selector_all(
                    "aside a.nav-link[href]", "els => els.map(a => a.getAttribute('href'))"
                )
                pages = [u for u in dict.fromkeys(menu) if u.startswith("/")]
                details = [r for url in pages if (r := self.visit(page, role, width, url, current, want_record=True))]
                pages = pages + list(dict.fromkeys(details))
            else:
                for url in pages:
                    self.visit(page, role, width, url, current)
        finally:
            context.close()
        return pages

    def visit(self, page: Any, role: str, width: int, url: str, current: dict[str, str], *, want_record: bool = False):
        current["url"] = url
        self.visited += 1
        try:
            response = page.goto(url, wait_until="load")
            page.evaluate(SETTLED)
        except Exception as exc:  # a page that does not load is a finding, not the end of the crawl
            self.note(role, width, url, f"did not load: {str(exc).splitlines()[0][:150]}")
            return None
        if response is not None and response.status >= 400:
            return None  # noted by the response listener
        seen = page.evaluate(READ_PAGE)
        if seen["scrollWidth"] > seen["innerWidth"]:
            where = ", ".join(seen["wide"]) or "?"
            wider = f"{seen['scrollWidth']}px > {seen['innerWidth']}px"
            self.note(role, width, url, f"horizontal scroll: {wider} ({where})")
        for text in english_left(seen["texts"]):
            self.note(role, width, url, f"untranslated: {text!r}")
        if not want_record:
            return None
        links = page.eval_on_selector_all("main a[href]", "els => els.map(a => a.getAttribute('href'))")
        prefix = "/" + url.strip("/").split("/")[0] + "/"
        for href in links:
            path = urlsplit(href).path
            if DETAIL_PATH.match(path) and path.startswith(prefix) and path != url:
                return path
        return None

    def _console(self, role: str, width: int, url: str, message: Any) -> None:
        if message.type == "error":
            self.note(role, width, url, f"console error: {message.text[:200]}")

    def _response(self, role: str, width: int, url: str, response: Any) -> None:
        if response.status >= 400:
            self.note(role, width, url, f"HTTP {response.status}: {urlsplit(response.url).path}")


def main(argv: list[str]) -> int:
    """`python -m tests.crawl http://127.0.0.1:8000 [role …]`: the findings against a running demo server."""
    from playwright.sync_api import sync_playwright

    base = argv[0] if argv else "http://127.0.0.1:8000"
    roles = tuple(argv[1:]) or ROLES
    started = time.monotonic()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
        )
        crawler = Crawler(browser, base, log=print)
        findings = crawler.crawl(roles)
        browser.close()
    print(f"{len(findings)} findings, {crawler.visited} page visits in {time.monotonic() - started:.0f}s")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
