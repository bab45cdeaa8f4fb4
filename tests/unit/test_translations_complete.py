"""English is complete: every string the code marks for translation has a checked English entry.

makemessages rewrites catalogues in place and ours are edited by hand, so it runs on a copy of the
sources: a string new in the code comes out of it empty, one whose Chinese changed comes out fuzzy
(msgmerge guesses from a similar msgid), and both must fail here. The hand-edited catalogues
themselves must hold no fuzzy (never compiled) or empty entry and keep every placeholder.
"""

import re
import shutil
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
# Our code; locale/ is the project catalogue for apps without their own.
SOURCE_DIRS = ("portal", "exchange", "importers", "search", "cms", "locale")
SOURCE_SUFFIXES = {".py", ".html", ".txt"}
# Not ours: a virtualenv inside the checkout (as `make` creates it) holds Django's own catalogues.
SKIP_DIRS = {"static", "node_modules", "__pycache__", ".venv", "venv", "var", "frontend", ".git"}
CATALOGUE = Path("locale", "en", "LC_MESSAGES", "django.po")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfir]|%[sdf]")


def english_catalogues(root):
    return sorted(
        path
        for path in root.rglob("locale/en/LC_MESSAGES/django.po")
        if not SKIP_DIRS & set(path.relative_to(root).parts)
    )


def where(path, root):
    app = path.relative_to(root).parents[3].as_posix()
    return "locale (project)" if app == "." else app


def label(entry):
    return f"{entry.msgctxt} | {entry.msgid}" if entry.msgctxt else entry.msgid


def untranslated(entry):
    if entry.msgid_plural:
        return not entry.msgstr_plural or not all(entry.msgstr_plural.values())
    return not entry.msgstr


def copy_sources(target):
    for top in SOURCE_DIRS:
        for path in (ROOT / top).rglob("*"):
            relative = path.relative_to(ROOT)
            if SKIP_DIRS & set(relative.parts) or not path.is_file():
                continue
            keep = path.suffix in SOURCE_SUFFIXES or relative.as_posix().endswith(
                CATALOGUE.as_posix()
            )
            if keep:
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target / relative)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The English catalogues as makemessages would leave them, from a copy of the sources."""
    copy = tmp_path_factory.mktemp("i18n")
    copy_sources(copy)
    monkeypatch = pytest.MonkeyPatch()
    from django.conf import settings

    # makemessages writes strings of files outside any app's locale/ into LOCALE_PATHS[0].
    monkeypatch.setattr(settings, "LOCALE_PATHS", [copy / "locale"])
    monkeypatch.chdir(copy)
    try:
        call_command("makemessages", locale=["en"], no_obsolete=True, no_wrap=True, verbosity=0)
    finally:
        monkeypatch.undo()
    return copy


def test_every_string_in_the_code_has_an_english_translation(extracted):
    missing = []
    for path in english_catalogues(extracted):
        for entry in polib.pofile(str(path)):
            if "fuzzy" in entry.flags:
                missing.append(
                    f"{where(path, extracted)}: changed or new, only a guess: {label(entry)}"
                )
            elif untranslated(entry):
                missing.append(f"{where(path, extracted)}: no English: {label(entry)}")
    assert not missing, "add these to the app's locale/en/LC_MESSAGES/django.po:\n" + "\n".join(
        missing
    )


def test_the_catalogues_hold_no_fuzzy_or_empty_entry():
    problems = []
    for path in english_catalogues(ROOT):
        catalogue = polib.pofile(str(path))
        if catalogue.metadata_is_fuzzy:
            problems.append(f"{where(path, ROOT)}: the header is marked fuzzy")
        for entry in catalogue:
            if "fuzzy" in entry.flags:
                problems.append(
                    f"{where(path, ROOT)}: fuzzy (msgfmt leaves it out): {label(entry)}"
                )
            elif untranslated(entry):
                problems.append(f"{where(path, ROOT)}: empty: {label(entry)}")
    assert not problems, "\n".join(problems)


def test_translations_keep_every_placeholder():
    problems = []
    for path in english_catalogues(ROOT):
        for entry in polib.pofile(str(path)):
            if "no-python-format" in entry.flags:
                continue  # the code gives each language its own placeholders; see the call's comment
            if entry.msgid_plural:
                # English may spell out the number in the singular ("one record").
                forms = [(entry.msgid, entry.msgstr_plural.get(0, ""), True)]
                forms += [
                    (entry.msgid_plural, text, False)
                    for n, text in entry.msgstr_plural.items()
                    if n
                ]
            else:
                forms = [(entry.msgid, entry.msgstr, False)]
            for source, translation, may_drop in forms:
                wanted, given = (
                    Counter(PLACEHOLDER.findall(source)),
                    Counter(PLACEHOLDER.findall(translation)),
                )
                if given != wanted and not (may_drop and given <= wanted):
                    problems.append(f"{where(path, ROOT)}: {label(entry)} -> {translation}")
    assert not problems, "\n".join(problems)


def test_a_string_has_the_same_english_in_every_catalogue():
    # Django merges all catalogues into one: only one English per string is ever shown (the project's
    # locale/ first, then apps in INSTALLED_APPS order); a string that needs another word in another
    # place takes a context (pgettext).
    english = {}
    for path in english_catalogues(ROOT):
        for entry in polib.pofile(str(path)):
            if entry.translated():
                translation = (
                    tuple(sorted(entry.msgstr_plural.items()))
                    if entry.msgid_plural
                    else entry.msgstr
                )
                english.setdefault((entry.msgctxt, entry.msgid), {}).setdefault(
                    translation, []
                ).append(where(path, ROOT))
    conflicts = [f"{label_of(key)}: {found}" for key, found in english.items() if len(found) > 1]
    assert not conflicts, "\n".join(conflicts)


def label_of(key):
    context, msgid = key
    return f"{context} | {msgid}" if context else msgid
