"""The message catalogs: complete, compiled, and in step with the strings the code marks.

The interface is Chinese first; every user-facing string is an English msgid. These tests read
`sixfold/locale/*/LC_MESSAGES/django.po` with a small parser (no dependency), compare it with the
compiled `.mo` that is committed next to it, and extract the marked strings of the Python sources
and templates the way `makemessages` does (templates through Django's own `templatize`), so a new
or changed string that nobody translated fails here rather than showing English on a Chinese page.
"""

import ast
import gettext
import io
import re
import tokenize
from pathlib import Path

import pytest
from django.utils.translation.template import templatize

SOURCE = Path(__file__).resolve().parents[2] / "sixfold"
LOCALE = SOURCE / "locale"
ZH = LOCALE / "zh_Hans" / "LC_MESSAGES"
EN = LOCALE / "en" / "LC_MESSAGES"
IGNORED = ("static/vendor/",)

# Marking functions and the meaning of their leading string arguments (as makemessages passes
# them to xgettext): m = msgid, p = msgid_plural, c = context.
KEYWORDS = {
    "_": "m",
    "gettext": "m",
    "gettext_lazy": "m",
    "gettext_noop": "m",
    "ngettext": "mp",
    "ngettext_lazy": "mp",
    "pgettext": "cm",
    "pgettext_lazy": "cm",
    "npgettext": "cmp",
    "npgettext_lazy": "cmp",
}
PLACEHOLDER = re.compile(r"%\([^)]+\)[sd]|%[sd]|\{[^{}]*\}")
TAG = re.compile(r"<[^>]+>")
HAN = re.compile(r"[\u3400-\u9fff]")


# --- a tiny .po reader ---------------------------------------------------------------------------
class Entry:
    def __init__(self):
        self.flags: set[str] = set()
        self.context: str | None = None
        self.msgid = ""
        self.plural: str | None = None
        self.msgstr: dict[int, str] = {}

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.context, self.msgid)

    @property
    def translations(self) -> list[str]:
        return [self.msgstr[n] for n in sorted(self.msgstr)]


def read_po(path: Path) -> list[Entry]:
    """Entries in file order, the header (msgid "") first; obsolete (#~) entries are skipped.

    Entries are separated by blank lines, as makemessages and msgfmt's tools write them."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry, target = Entry(), None
        for line in block.strip().splitlines():
            line = line.strip()
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                assert target, f"{path}: continuation without a keyword: {line}"
                _append(entry, target, ast.literal_eval(line))
            else:
                keyword, _, literal = line.partition(" ")
                match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
                if match:
                    target = ("msgstr", int(match.group(1)))
                elif keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
                    target = (keyword, 0)
                else:
                    raise AssertionError(f"{path}: cannot read line: {line}")
                if keyword == "msgctxt":
                    entry.context = ""
                _append(entry, target, ast.literal_eval(literal))
        if target:
            entries.append(entry)
    return entries


def _append(entry: Entry, target: tuple[str, int], text: str) -> None:
    field, index = target
    if field == "msgctxt":
        entry.context += text
    elif field == "msgid":
        entry.msgid += text
    elif field == "msgid_plural":
        entry.plural = (entry.plural or "") + text
    else:
        entry.msgstr[index] = entry.msgstr.get(index, "") + text


def messages(path: Path) -> list[Entry]:
    return [e for e in read_po(path) if e.msgid]


def header(path: Path) -> dict[str, str]:
    first = read_po(path)[0]
    assert first.msgid == ""
    lines = first.msgstr[0].splitlines()
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lines if line)}


# --- the strings the code marks ------------------------------------------------------------------
def _marked_in(text: str) -> set[tuple[str | None, str]]:
    """(context, msgid) of every marking call whose leading arguments are string literals."""
    found = set()
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(text).readline)
        if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT)
    ]
    for i, token in enumerate(tokens[:-1]):
        if token.type != tokenize.NAME or token.string not in KEYWORDS:
            continue
        if tokens[i - 1].string in (".", "def") or tokens[i + 1].string != "(":
            continue
        args, current, j = [], None, i + 2
        while j < len(tokens):
            t = tokens[j]
            if t.type == tokenize.STRING:
                current = (current or "") + ast.literal_eval(t.string)
            elif t.string == "," and current is not None:
                args.append(current)
                current = None
            else:
                break
            j += 1
        if current is not None:
            args.append(current)
        spec = KEYWORDS[token.string]
        if len(args) >= spec.index("m") + 1:
            context = args[spec.index("c")] if "c" in spec else None
            found.add((context, args[spec.index("m")]))
    return found


def marked_strings() -> dict[tuple[str | None, str], str]:
    """Every marked string of the sources makemessages reads, with one file that marks it."""
    found: dict[tuple[str | None, str], str] = {}
    for path in sorted(SOURCE.rglob("*")):
        relative = path.relative_to(SOURCE).as_posix()
        if relative.startswith(IGNORED) or not path.is_file():
            continue
        if path.suffix == ".py":
            text = path.read_text(encoding="utf-8")
        elif path.suffix in (".html", ".txt") and "/templates/" in f"/{relative}":
            text = templatize(path.read_text(encoding="utf-8"), origin=str(path))
            # Markup is blanked to letters and each call written on one line; indentation is
            # all that could trouble the tokenizer.
            text = "\n".join(line.lstrip() for line in text.splitlines())
        else:
            continue
        for key in _marked_in(text):
            found.setdefault(key, relative)
    return found


# --- tests ---------------------------------------------------------------------------------------
def test_chinese_catalog_is_complete_and_checked():
    entries = messages(ZH / "django.po")
    assert len(entries) > 300
    untranslated = [e.msgid for e in entries if not all(e.translations) or not e.msgstr]
    assert not untranslated, f"msgstr left empty: {untranslated}"
    fuzzy = [e.msgid for e in read_po(ZH / "django.po") if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries (translation not checked): {fuzzy}"
    assert len({e.key for e in entries}) == len(entries), "an entry appears twice"


def test_chinese_catalog_header():
    fields = header(ZH / "django.po")
    assert fields["Language"] == "zh_Hans"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"] == "nplurals=1; plural=0;"
    plurals = [e for e in messages(ZH / "django.po") if e.plural is not None]
    assert all(list(e.msgstr) == [0] for e in plurals)


def test_chinese_translations_keep_placeholders_and_markup():
    for entry in messages(ZH / "django.po"):
        for source in filter(None, (entry.msgid, entry.plural)):
            for translation in entry.translations:
                assert sorted(PLACEHOLDER.findall(translation)) == sorted(
                    PLACEHOLDER.findall(entry.msgid)
                ), (entry.msgid, translation)
                assert sorted(TAG.findall(translation)) == sorted(TAG.findall(source)), (
                    entry.msgid,
                    translation,
                )


def test_chinese_translations_are_chinese():
    """No msgstr is the English copied over: what is left after placeholders, code in backticks,
    parameter names and codes (`service_code`, `activity.study`) and a few accepted
    abbreviations and format names must be free of Latin words."""
    accepted = re.compile(
        r"`[^`]*`|[A-Za-z]+_[A-Za-z_]+|[a-z]+\.[a-z_.]*"
        r"|(?<![A-Za-z])(?:API|ID|IP|GB|elderly|m²|Excel|xlsx|MB|JPEG|PNG|WebP|Open311|YYYY|MM|DD)"
        r"(?![A-Za-z])"
    )
    for entry in messages(ZH / "django.po"):
        for translation in entry.translations:
            rest = accepted.sub("", PLACEHOLDER.sub("", translation))
            assert not re.search(r"[A-Za-z]{2,}", rest), (entry.msgid, translation)
            if re.search(r"[A-Za-z]{2,}", PLACEHOLDER.sub("", entry.msgid)):
                assert HAN.search(translation), (entry.msgid, translation)


def test_english_catalog_matches_and_shows_no_chinese():
    chinese = {e.key for e in messages(ZH / "django.po")}
    english = messages(EN / "django.po")
    assert {e.key for e in english} == chinese
    assert not [e for e in read_po(EN / "django.po") if "fuzzy" in e.flags]
    for entry in english:
        # Empty falls back to the English msgid; a msgstr, if any, must not be Chinese.
        assert not any(HAN.search(t) for t in entry.translations), entry.msgid


@pytest.mark.parametrize("directory", [ZH, EN], ids=["zh_Hans", "en"])
def test_compiled_catalog_matches_its_source(directory):
    """The committed .mo holds exactly the .po's translations (run compilemessages after edits)."""
    expected: dict[object, str] = {}
    for entry in messages(directory / "django.po"):
        if not all(entry.translations) or "fuzzy" in entry.flags:
            continue  # msgfmt leaves these out
        msgid = entry.msgid if entry.context is None else f"{entry.context}\x04{entry.msgid}"
        if entry.plural is None:
            expected[msgid] = entry.msgstr[0]
        else:
            expected.update({(msgid, n): text for n, text in entry.msgstr.items()})
    with (directory / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    catalog = {key: value for key, value in compiled._catalog.items() if key not in ("", ("", 0))}
    assert catalog == expected


def test_every_marked_string_is_in_the_catalog_and_nothing_stale():
    """As `makemessages -l zh_Hans --no-obsolete` would leave it: a string marked in the code but
    missing from the catalog shows in English; one in the catalog but no longer marked is stale."""
    marked = marked_strings()
    catalog = {e.key for e in messages(ZH / "django.po")}
    missing = {key: where for key, where in marked.items() if key not in catalog}
    assert not missing, f"marked but not in the catalog (run makemessages): {missing}"
    stale = catalog - set(marked)
    assert not stale, f"in the catalog but no longer marked: {stale}"


def test_a_string_django_also_translates_is_ours():
    """Strings Django's own catalog knows too ("Disabled", "Delete" …) come from our catalog."""
    from django.utils import translation

    from sixfold.core.models import Resident

    with translation.override("zh-hans"):
        assert str(Resident.Tag.DISABLED.label) == "残疾"  # Django's own catalog says 禁用
        assert translation.pgettext("person", "Name") == "姓名"
        assert translation.gettext("Name") == "名称"
    with translation.override("en"):
        assert str(Resident.Tag.DISABLED.label) == "Disabled"
        assert translation.gettext("Registers") == "Registers"
