from __future__ import annotations

import pytest

from bot.guidance.markup import html_problems


@pytest.mark.parametrize(
    "html",
    [
        "plain text",
        "<b>bold</b> <i>it</i> <u>u</u> <s>s</s> <code>c</code>",
        "<blockquote>quote <b>inner</b></blockquote>",
        '<a href="https://egov.kz">egov.kz</a>',
        "AT&amp;T &lt;tag&gt; &quot;q&quot; &#169; &#x1F600;",
        "«Мои ключи» → «Отозвать», 92%",
    ],
)
def test_accepts_telegram_subset(html: str) -> None:
    assert html_problems(html) == []


@pytest.mark.parametrize(
    ("html", "fragment"),
    [
        ("<b>open", "<b> is never closed"),
        ("close</b>", "</b> at character 5 does not close"),
        ("<b><i>x</b></i>", "</b> at character 7 does not close"),
        ("<p>para</p>", "tag <p> is not allowed"),
        ("<pre>x</pre>", "tag <pre> is not allowed"),
        ("Q&A", "unescaped '&'"),
        ("a < b", "unescaped '<'"),
        ("a > b", "unescaped '>'"),
        ("&nbsp;", "unknown entity &nbsp;"),
        ("<a>no link</a>", "needs exactly one quoted href"),
        ('<a href="x" title="y">t</a>', "needs exactly one quoted href"),
        ('<b class="x">t</b>', "<b> at character 0 takes no attributes"),
    ],
)
def test_rejects(html: str, fragment: str) -> None:
    problems = html_problems(html)
    assert any(fragment in p for p in problems), problems
