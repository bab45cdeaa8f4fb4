"""The staff walk's eyes: each page it reaches is looked at at desktop and phone width, in
Chinese and in English, and saved as test-artifacts/staff-<name>-<lang>-<width>.png.

The workspace, the case screens and the review pages follow the language cookie; the Wagtail
admin follows the user's own preference (its account settings), so the walk sets both."""

import re

from django.conf import settings

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
LANGUAGES = ("zh-hans", "en")
# A Chinese character: under English only data (names, document numbers) may show one.
HAN = re.compile(r"[\u4e00-\u9fff]")
# The smallest target a pointer must be able to hit (WCAG 2.2, 2.5.8 target size, minimum).
TARGET = 24

SMALL_TARGETS = """() => {
  const small = [];
  for (const el of document.querySelectorAll(
      'main button, main input[type=checkbox], main input[type=radio], main input[type=submit],'
      + ' main select, header button, .staff-header button')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;  // not shown
    // A box inside its label is hit through the label too (the label is the target).
    const label = el.closest('label');
    const hit = label ? label.getBoundingClientRect() : box;
    if (hit.width < TARGET || hit.height < TARGET) small.push(el.outerHTML.slice(0, 120));
  }
  return small;
}""".replace("TARGET", str(TARGET))

CHINESE_UNDER_ENGLISH = """(allowed) => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || el.closest('script, style, code, [lang]:not(html)'))
      continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const text = node.textContent.trim();
    if (/[\\u4e00-\\u9fff]/.test(text) && !allowed.some((a) => text.includes(a)))
      found.push(text.slice(0, 80));
  }
  return found;
}"""


def set_language(page, base: str, lang: str, user=None) -> None:
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": base}])
    if user is not None:
        from wagtail.users.models import UserProfile

        profile = UserProfile.get_for_user(user)
        profile.preferred_language = lang
        profile.save()


def overflow(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


class Walk:
    """Looks at pages in every width and language and keeps what it noticed."""

    def __init__(self, page, base: str, artifacts, user=None, data: tuple[str, ...] = ()):
        """`data`: text that is data, not the page's own words (names, document numbers,
        what the walk typed), which stays Chinese under English."""
        self.page = page
        self.data = ("惠州", "ICP备", *data)
        self.base = base
        self.artifacts = artifacts
        self.user = user
        self.noticed: list[str] = []
        self.lang = LANGUAGES[0]

    def language(self, lang: str) -> None:
        self.lang = lang
        set_language(self.page, self.base, lang, self.user)

    def look(self, name: str, *, allowed: tuple[str, ...] = ()) -> None:
        """The current page in both widths and both languages; back where it started."""
        page = self.page
        start = self.lang
        for lang in (start, *(x for x in LANGUAGES if x != start)):
            if lang != self.lang:
                self.language(lang)
                page.reload()
            for width, (w, h) in WIDTHS.items():
                page.set_viewport_size({"width": w, "height": h})
                path = self.artifacts / f"staff-{name}-{lang}-{width}.png"
                page.screenshot(path=path, full_page=True)
                where = f"{name} {lang} {width}"
                if (extra := overflow(page)) > 1:
                    self.noticed.append(f"{where}: {extra}px wider than the window")
                for small in page.evaluate(SMALL_TARGETS):
                    self.noticed.append(f"{where}: target under {TARGET}px: {small}")
                if lang == "en" and width == "desktop":
                    found = page.evaluate(CHINESE_UNDER_ENGLISH, [*self.data, *allowed])
                    for text in found:
                        self.noticed.append(f"{where}: Chinese under English: {text}")
        if self.lang != start:
            self.language(start)
            page.reload()
        page.set_viewport_size({"width": WIDTHS["desktop"][0], "height": WIDTHS["desktop"][1]})
