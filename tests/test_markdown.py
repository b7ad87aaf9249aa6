"""One behaviour per line: HTML in, the Markdown a reader needs out (markdownify style)."""

from __future__ import annotations

import emclean


def md(html: str, **options: object) -> str:
    """Convert an HTML fragment; the Markdown without its final newline."""
    return emclean.convert(html, emclean.Options(**options)).markdown.rstrip("\n")  # type: ignore[arg-type]


def test_paragraphs_are_one_line_each() -> None:
    """Paragraphs are separated by one blank line and never wrapped."""
    long = "长" * 300
    assert md(f"<p>{long}</p><p>二</p>") == f"{long}\n\n二"


def test_no_space_inserted_after_bold_in_chinese() -> None:
    """html2text's space after `**` is not added: 重点**为 stays glued."""
    assert md("<p><strong>重点</strong>为</p>") == "**重点**为"


def test_bold_quotes_next_to_cjk_render() -> None:
    """Punctuation at the edge of bold next to CJK moves outside the delimiters."""
    assert md("<p>要以<strong>“七条链”</strong>为重点</p>") == "要以“**七条链**”为重点"
    assert md("<p><strong>存款方面，</strong>平安</p>") == "**存款方面**，平安"


def test_bold_keeps_inner_punctuation_when_it_can() -> None:
    """Next to punctuation or at the edge of a line, punctuation may stay bold."""
    assert md("<p><strong>火爆原因：</strong></p>") == "**火爆原因：**"
    assert md("<p>，<strong>“七条链”</strong>。</p>") == "，**“七条链”**。"


def test_empty_and_nested_bold() -> None:
    """Empty bold vanishes; nested bold is one run; whitespace moves outside."""
    assert md("<p>a<b></b>b<strong> c </strong>d<strong><b>e</b></strong></p>") == "ab **c** d**e**"


def test_italic_uses_star_and_strike_uses_tildes() -> None:
    """Italic is `*x*` (never `_x_`); strikethrough is `~~x~~`."""
    assert md("<p>分析师<em>据报道</em>称<del>旧</del>。</p>") == "分析师*据报道*称~~旧~~。"


def test_star_st_is_not_italics() -> None:
    """`*ST康美` stays literal when another `*` could pair with it."""
    assert md("<p>*ST康美和*ST辅仁</p>") == r"\*ST康美和\*ST辅仁"


def test_lone_star_is_left_alone() -> None:
    """A single `*` cannot become emphasis: no escape."""
    assert md("<p>*ST康美收涨</p>") == "*ST康美收涨"


def test_tilde_ranges_are_not_strikethrough() -> None:
    """Two tildes in a paragraph are escaped; one is not."""
    assert md("<p>3~5%和6~8%</p>") == r"3\~5%和6\~8%"
    assert md("<p>增长3~5%</p>") == "增长3~5%"


def test_line_start_markers_stay_text() -> None:
    """A paragraph starting like a heading, list or quote stays a paragraph."""
    assert md("<p># 标题</p>") == r"\# 标题"
    assert md("<p>#热点#</p>") == "#热点#"
    assert md("<p>1. 加强</p>") == r"1\. 加强"
    assert md("<p>1.加强</p>") == "1.加强"
    assert md("<p>2) 第二</p>") == r"2\) 第二"
    assert md("<p>- 项</p>") == r"\- 项"
    assert md("<p>+ 项</p>") == r"\+ 项"
    assert md("<p>&gt; 引</p>") == r"\> 引"
    assert md("<p>: 定义</p>") == r"\: 定义"


def test_links_and_html_in_text_stay_text() -> None:
    """Brackets, tags and entities written as text stay text."""
    assert md("<p>[x](y)</p>") == r"\[x\](y)"
    assert md("<p>&lt;b&gt;粗&lt;/b&gt;</p>") == r"\<b>粗\</b>"
    assert md("<p>&amp;copy;</p>") == "&amp;copy;"
    assert md("<p>A&amp;B 与 &lt; 3</p>") == "A&B 与 < 3"


def test_kramdown_typography_is_escaped() -> None:
    """Quotes, dashes, ellipses, guillemets, math and attribute lists stay literal in kramdown."""
    assert md('<p>"引号" it\'s</p>') == r"\"引号\" it\'s"
    assert md("<p>a--b...c</p>") == r"a\-\-b\.\.\.c"
    assert md("<p>&lt;&lt;书&gt;&gt;</p>") == r"\<\<书\>\>"
    assert md("<p>$$x$$ {:.c} a|b</p>") == r"\$\$x\$\$ \{:.c} a\|b"


def test_no_escape_where_nothing_could_be_markup() -> None:
    """Ordinary punctuation is written as is."""
    assert md("<p>增长1.5%，(2022-2025年) 比例9:1，a_b @x #y</p>") == "增长1.5%，(2022-2025年) 比例9:1，a_b @x #y"


def test_full_width_and_nbsp_indents_are_removed() -> None:
    """Leading 　　 and &nbsp; indents go; inner full-width spaces stay."""
    assert md("<p>　　首行&nbsp;缩进</p><p>&nbsp;&nbsp;二　段</p>") == "首行 缩进\n\n二　段"


def test_line_break_between_chinese_adds_no_space() -> None:
    """A source line break between CJK characters disappears; between words it is a space."""
    assert md("<p>中文\n换行 word\nword</p>") == "中文换行 word word"


def test_br_splits_paragraphs() -> None:
    """<br> inside a paragraph starts a new paragraph; trailing <br> vanishes."""
    assert md("<p>一<br>二<br/></p>") == "一\n\n二"


def test_br_inside_bold_is_a_hard_break() -> None:
    """<br> inside bold keeps one bold run, on two lines (a Markdown hard line break)."""
    assert md("<p><strong>粗<br>体</strong></p>") == "**粗  \n体**"


def test_br_in_list_items_and_cells() -> None:
    """In a list item a break joins Chinese without a space; in a table cell it is a space."""
    assert md("<ul><li>乙<br>丙</li><li><p>a</p><p>b</p></li></ul>") == "- 乙丙\n- a b"


def test_images() -> None:
    """Images keep alt and src; protocol-relative URLs get https; <center> is unwrapped."""
    assert md('<center><img src="//a.com/x.jpg" alt="图"></center>') == "![图](https://a.com/x.jpg)"


def test_links_keep_safe_schemes_only() -> None:
    """http(s) and mailto links stay; javascript: and data: become text."""
    html = '<p><a href="https://a.com/x">甲</a><a href="javascript:alert(1)">乙</a><a href="mailto:a@b.c">丙</a></p>'
    assert md(html) == "[甲](https://a.com/x)乙[丙](mailto:a@b.c)"


def test_link_with_same_text_and_url_is_an_autolink() -> None:
    """`<a href=u>u</a>` becomes `<u>`."""
    assert md('<p><a href="http://a.com/">http://a.com/</a></p>') == "<http://a.com/>"


def test_tables_are_rectangular() -> None:
    """rowspan/colspan repeat into every covered cell; `|` is escaped; <br> is a space."""
    html = '<table><tr><th rowspan="2">名</th><th colspan="2">值</th></tr><tr><td>a</td><td>b|c<br>d</td></tr></table>'
    assert md(html) == "| 名 | 值 | 值 |\n| --- | --- | --- |\n| 名 | a | b\\|c d |"


def test_lists_quotes_headings() -> None:
    """Lists, blockquotes and headings keep their Markdown form."""
    assert md("<ul><li>一</li><li>二</li></ul>") == "- 一\n- 二"
    assert md("<ol><li>甲</li><li>乙</li></ol>") == "1. 甲\n2. 乙"
    assert md("<blockquote><p>引</p></blockquote>") == "> 引"
    assert md("<h2>题</h2>") == "## 题"


def test_removed_content() -> None:
    """Scripts, styles, hidden elements, comments and known ads are dropped."""
    html = (
        "<script>x()</script><style>p{}</style><!-- c --><p style='display:none'>隐</p><p>正文</p>"
        "<p>全新妙想投研助理，立即体验</p><div class='ad_context3'>广告</div>"
    )
    assert md(html) == "正文"


def test_source_line_is_kept() -> None:
    """The `（文章来源：…）` line is article text."""
    assert md('<p class="em_media">（文章来源：证券时报）</p>') == "（文章来源：证券时报）"


def test_entity_text_stays_exactly_where_it_was() -> None:
    """Unwrapping a link that splits a word keeps the word whole."""
    html = '<p>要创<span id="stock_0.300832"><a class="keytip" data-code="0,300832">新产业</a></span>链</p>'
    assert md(html) == "要创新产业链"


def test_liquid_is_inert_in_posts_only() -> None:
    """In a Jekyll post, the `{` of `{{`/`{%` in article text is written `&#123;`."""
    post = '---\ntitle: t\n---\n<p class="em_media">显示 {% include x %} 原样</p>\n'
    out = emclean.convert(post).markdown
    assert out == "---\ntitle: t\n---\n显示 &#123;% include x %} 原样\n"
    assert md("<p>{{ x }}</p>") == "{{ x }}"


def test_liquid_endraw_in_text_stays_literal() -> None:
    """`endraw` on the line, `{{{`, `{%{%` and a lone `{{` leave no `{{`/`{%` behind."""
    assert md("<p>a {% endraw %} b {{ c }}</p>", liquid=True) == "a &#123;% endraw %} b &#123;{ c }}"
    assert md("<p>{{{ x }}} {%{% y</p>", liquid=True) == "&#123;&#123;{ x }}} &#123;%&#123;% y"
    assert md("<p>值{{ endraw 尾</p>", liquid=True) == "值&#123;{ endraw 尾"


def test_private_use_characters_in_text_survive() -> None:
    """Text that uses private-use characters (icon fonts) is not mistaken for markers."""
    assert md("<p>\ue000\ue024图标\ue001</p>") == "\ue000\ue024图标\ue001"


def test_empty_items_and_quotes_vanish() -> None:
    """An empty list item or quote does not glue what follows onto its marker."""
    assert md("<ul><li></li><li>&gt;</li></ul>") == r"- \>"
    assert md("<blockquote><p></p></blockquote><blockquote><p>&gt;</p></blockquote>") == r"> \>"


def test_a_line_after_a_hard_break_cannot_underline() -> None:
    """`=` or `-` alone after a hard break would make a setext heading: escaped."""
    assert md("<p><strong>1<br></strong>=</p>") == "**1**  \n\\="


def test_parenthesis_after_a_footnote_reference() -> None:
    """`[^x](…)` would be a link: the parenthesis after a footnote reference is escaped."""
    html = '<p><a class="keytip" data-code="0,300832">新产业</a>(300832)</p>'
    assert md(html, annotate=emclean.Annotate.FOOTNOTE).splitlines()[0] == r"新产业[^300832-SZ]\(300832)"


def test_zero_width_space_in_a_spanned_cell_passes_verify() -> None:
    """A repeated span counts the same characters as verify does (zero-width marks are not text)."""
    result = emclean.convert('<table><tr><td rowspan="2">甲\u200b乙</td><td>1</td></tr><tr><td>2</td></tr></table>')
    assert result.markdown.count("甲\u200b乙") == 2
    assert emclean.check(result) == []


def test_noscript_is_read_as_a_browser_with_scripts_reads_it() -> None:
    """`<noscript>` is never shown, and ends at its first `</noscript>`: an unclosed `<p>` in
    it no longer swallows the rest of the article (a parser without scripts nests it all in)."""
    assert md("<p>x</p><noscript><p>a</noscript><p>after</p>") == "x\n\nafter"
    assert md("<svg></svg><noscript>n</noscript><p>after</p>") == "after"
    assert md('<script>document.write("<noscript>")</script><p>正文</p><noscript>x</noscript><p>后</p>') == "正文\n\n后"
    assert md("<!-- <noscript> --><p>正文</p>") == "正文"
    article = (
        "<p>要以<a class='keytip' data-code='1,600519'>茅台</a>为例</p><noscript><p>请启用</noscript><p>第二段</p>"
    )
    post = f"---\ntitle: t\n---\n{article}\n"
    assert emclean.convert(post, name="a.md").markdown == "---\ntitle: t\n---\n要以茅台为例\n\n第二段\n"
    page = "---\ntitle: t\n---\n" + post.split("---\n")[2]
    html = emclean.convert(page, emclean.Options(to=emclean.Target.AUTO), name="a.html").markdown
    assert "第二段" in html
