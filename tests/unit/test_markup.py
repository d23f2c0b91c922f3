"""The neutral markup subset and its platform renderings."""

from __future__ import annotations

from bot import markup


def test_escape_keeps_user_asterisks_literal() -> None:
    user = "5 * 3 = **15**"
    rendered = markup.to_plain(f"**Total :** {markup.escape(user)}")
    assert rendered == "Total : 5 * 3 = **15**"


def test_parse_splits_bold_runs() -> None:
    assert markup.parse("a **b** c") == [(False, "a "), (True, "b"), (False, " c")]


def test_telegram_html_escapes_everything_but_bold() -> None:
    text = f"**Attention** {markup.escape('<script>&</script>')}"
    assert markup.to_telegram_html(text) == "<b>Attention</b> &lt;script&gt;&amp;&lt;/script&gt;"


def test_discord_escapes_markdown_outside_bold() -> None:
    text = f"**Titre** {markup.escape('_x_ ~~y~~ `z` *w*')}"
    assert markup.to_discord(text) == r"**Titre** \_x\_ \~\~y\~\~ \`z\` \*w\*"


def test_ansi_bold() -> None:
    assert markup.to_ansi("**ok**") == "\x1b[1mok\x1b[0m"


def test_unbalanced_bold_does_not_crash() -> None:
    assert markup.to_plain("**ouvert sans fin") == "ouvert sans fin"


def test_lone_marks_and_escapes_read_as_written() -> None:
    assert markup.parse("") == []
    assert markup.parse("plain\nlines") == [(False, "plain\nlines")]
    assert markup.parse("a * b") == [(False, "a * b")], "a lone asterisk is text"
    assert markup.parse("***x**") == [(True, "*x")], "a bold mark, then a lone asterisk"
    assert markup.parse(r"\**x") == [(False, "**x")], "an escaped asterisk, then a lone one"
    assert markup.parse("a\\b\\") == [(False, "a\\b\\")], "a backslash escapes only * and \\"
    assert markup.parse(r"**\\**") == [(True, "\\")]
    assert markup.parse("**a****b**") == [(True, "a"), (True, "b")]
