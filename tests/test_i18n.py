"""The Chinese interface: the catalog is complete and compiled, the language is chosen the
way docs/cli.md says, and one run's language never leaks into another's."""

from __future__ import annotations

import contextvars
import re
import gettext
import io
import threading

import pytest
from click.testing import CliRunner
from conftest import ROOT

from optimizer import i18n
from optimizer.i18n import _, language_from_env, ngettext, use_language

PO = ROOT / "optimizer" / "locale" / "zh" / "LC_MESSAGES" / "regcollab.po"
MO = PO.with_suffix(".mo")


@pytest.fixture(scope="module")
def extracted():
    """Every planner-facing string of the package and the report's templates, found the
    way ``pybabel extract -F babel.cfg`` finds them."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map):
        key = message if isinstance(message, str) else message[0]
        found.setdefault(key, (f"{filename}:{lineno}", message))
    return found


@pytest.fixture(scope="module")
def catalog():
    from babel.messages.pofile import read_po

    with open(PO, "rb") as fh:
        return read_po(fh, locale="zh")


def test_every_planner_facing_string_has_a_chinese_translation(extracted, catalog):
    assert len(extracted) > 5  # the extraction found the strings (not an empty map)
    missing = []
    for key, (where, message) in sorted(extracted.items()):
        entry = catalog.get(key)
        strings = (entry.string if entry is not None else None)
        if isinstance(message, tuple):  # ngettext: singular and plural, zh's one form
            ok = (entry is not None and isinstance(entry.id, tuple)
                  and isinstance(strings, tuple) and all(strings))
        else:
            ok = entry is not None and isinstance(strings, str) and bool(strings.strip())
        if not ok or (entry is not None and entry.fuzzy):
            missing.append(f"{where}: {key!r}")
    assert not missing, "untranslated in regcollab.po (docs/translating.md):\n" + "\n".join(
        missing)


def test_translations_keep_the_placeholders_of_the_english(catalog):
    import string

    def fields(text):
        return sorted({f for _, f, _, _ in string.Formatter().parse(text) if f is not None})

    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for s in strings:
            if s and "python-brace-format" in m.flags:
                assert fields(s) == fields(ids[-1]), (m.id, s)


def test_the_compiled_catalog_is_the_catalog_compiled(catalog):
    """regcollab.mo (what the program reads) says what regcollab.po says: they cannot drift
    (recompile with ``pybabel compile -d optimizer/locale -D regcollab``)."""
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    fresh = gettext.GNUTranslations(buf)
    with open(MO, "rb") as fh:
        shipped = gettext.GNUTranslations(fh)
    assert shipped._catalog == fresh._catalog


def test_chinese_has_one_plural_form(catalog):
    assert catalog.plural_forms == "nplurals=1; plural=0;"
    with use_language("zh"):
        assert ngettext("{n} partner", "{n} partners", 1) == ngettext(
            "{n} partner", "{n} partners", 5)
    with use_language("en"):
        assert ngettext("{n} partner", "{n} partners", 1) == "{n} partner"
        assert ngettext("{n} partner", "{n} partners", 2) == "{n} partners"


@pytest.mark.parametrize("env, lang", [
    ({}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_TW.UTF-8"}, "zh"),
    ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "C"}, "en"),
    ({"LANG": "zh_CN.UTF-8", "LC_ALL": ""}, "zh"),
])
def test_the_language_follows_the_locale(env, lang):
    assert language_from_env(env) == lang


@pytest.mark.parametrize("header, lang", [
    (None, "en"), ("", "en"), ("de-DE,de;q=0.9", "en"),
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("zh-TW", "zh"),
    ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
    ("fr-FR, zh;q=0.5", "zh"),  # the first of the interface's languages it lists
    ("en;q=0.3, zh-CN;q=0.7", "zh"),  # by preference, not by place
    ("zh;q=0, en", "en"),  # q=0: not wanted
])
def test_the_workbench_follows_the_browsers_accept_language(header, lang):
    assert i18n.language_from_accept(header) == lang


def test_use_language_nests_and_restores():
    before = i18n.get_language()
    with use_language("zh"):
        assert _("project") == "项目型"
        with use_language("en"):
            assert _("project") == "project"
        assert _("project") == "项目型"
    assert i18n.get_language() == before


def test_an_unknown_language_is_refused_in_the_planners_words():
    from optimizer.errors import InputError

    with pytest.raises(InputError, match="'fr' is not available"):
        with use_language("fr"):
            pass


def test_concurrent_requests_do_not_mix_languages():
    """Each thread (a web server's request) runs in its own context: its language is its own."""
    seen = {}
    barrier = threading.Barrier(2)

    def request(lang):
        with use_language(lang):
            barrier.wait()  # both languages set before either reads
            seen[lang] = _("project")

    threads = [threading.Thread(target=contextvars.copy_context().run, args=(request, lang))
               for lang in ("en", "zh")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"en": "project", "zh": "项目型"}


def test_lang_option_on_the_group_and_on_each_command(monkeypatch):
    from optimizer.cli import main

    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    runner = CliRunner()
    en = runner.invoke(main, ["validate", "demo"])
    assert en.exit_code == 0 and "demo: valid. 2 partners, 3 recipients" in en.output
    for args in (["--lang", "zh", "validate", "demo"], ["validate", "demo", "--lang", "zh"],
                 ["--lang", "en", "validate", "demo", "--lang", "zh"]):
        zh = runner.invoke(main, args)
        assert zh.exit_code == 0, zh.output
        assert "demo：有效。2 个帮扶方，3 个受援方" in zh.output and "项目型" in zh.output
    # the locale's language is the default, and --lang overrides it
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "有效" in runner.invoke(main, ["validate", "demo"]).output
    assert "valid." in runner.invoke(main, ["validate", "demo", "--lang", "en"]).output
    # one run's --lang does not outlive it
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert "valid." in runner.invoke(main, ["validate", "demo"]).output


def test_every_command_takes_lang():
    from optimizer.cli import main

    for name, cmd in main.commands.items():
        assert any(p.name == "lang" for p in cmd.params), name
    assert any(p.name == "lang" for p in main.params)


def test_no_translation_hides_inside_an_f_string():
    """babel's extractor does not look inside f-strings: ``f"{_('x')}"`` would be shown
    untranslated and escape the completeness test above."""
    import re

    pattern = re.compile(r"""\bf(["'])[^"']*\{[^}]*\b(_|N_|ngettext)\(""")
    found = [f"{p.relative_to(ROOT)}:{n}" for p in (ROOT / "optimizer").rglob("*.py")
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if pattern.search(line)]
    assert not found, found


def test_help_of_every_command_is_in_the_language(monkeypatch):
    """``--help`` in Chinese: each command's own text and each option's (the texts are
    extracted by optimizer.commands.helptext, so the completeness test covers them), with
    --lang before or after --help."""
    from optimizer.cli import main

    monkeypatch.setenv("LANG", "C.UTF-8")
    runner = CliRunner()
    for name, cmd in main.commands.items():
        with use_language("zh"):
            expected = [" ".join(_(p.help).split())[:12] for p in cmd.params
                        if getattr(p, "help", None)]
        for args in ([name, "--help", "--lang", "zh"], ["--lang", "zh", name, "--help"]):
            res = runner.invoke(main, args)
            assert res.exit_code == 0, res.output
            flat = "".join(res.output.split())
            for words in expected:
                assert "".join(words.split()) in flat, (name, words)
        english = runner.invoke(main, [name, "--help"]).output
        assert not re.search(r"[\u4e00-\u9fff]", english), name
