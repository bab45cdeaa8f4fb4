"""The shared Chinese tokenisation and highlighting."""

from search.analysis import highlight, query_terms, tokens


def test_bigrams_like_elasticsearch_cjk_bigram():
    assert tokens("惠州市华信ABC科技 12号") == [
        "惠州",
        "州市",
        "市华",
        "华信",
        "abc",
        "科技",
        "12",
        "号",
    ]
    assert tokens("Ｈｕａ信") == ["hua", "信"]
    assert tokens("华") == ["华"]
    assert tokens("《中华人民共和国》") == ["中华", "华人", "人民", "民共", "共和", "和国"]


def test_query_terms_split_on_spaces_and_drop_punctuation():
    assert query_terms(" 华信　科技 ,, ") == ["华信", "科技"]
    assert query_terms("") == []


def test_highlight_escapes_and_marks():
    assert highlight("<i>华信</i>", ["华信"]) == "&lt;i&gt;<mark>华信</mark>&lt;/i&gt;"
    assert highlight("惠州市华信科技", ["华信", "科技"]) == "惠州市<mark>华信科技</mark>"
    long = "甲" * 300 + "华信" + "乙" * 300
    marked = highlight(long, ["华信"])
    assert "<mark>华信</mark>" in marked and marked.startswith("…") and marked.endswith("…")
