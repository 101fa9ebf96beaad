"""Properties of {key} substitution (ussd/menu/variables.py) and of reply values: whatever
the text, the values and the reply, substitution is one plain pass and never fails."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ussd.menu.variables import PLACEHOLDER, keys_in, lookup, screen_value, substitute

keys = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True)
texts = st.text(alphabet=st.sampled_from("ab {}}{x_1-é\n"), max_size=40) | st.text(max_size=40)
values = st.dictionaries(keys, st.text(max_size=30), max_size=5)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=10,
)


@given(texts, values)
def test_substitution_never_fails_and_a_text_without_keys_only_loses_doubled_braces(text, known):
    shown = substitute(text, known)
    if not PLACEHOLDER.search(text):
        assert shown == text


@given(keys, st.text(max_size=40))
def test_a_value_is_shown_exactly_as_given_never_read_again(key, value):
    assert substitute(f"<{{{key}}}>", {key: value}) == f"<{value}>"


@given(texts, values)
def test_only_keys_the_text_names_are_looked_up(text, known):
    named = keys_in(text)
    assert substitute(text, known) == substitute(
        text, {k: v for k, v in known.items() if k in named}
    )


@given(json_values, st.lists(keys | st.sampled_from(["0", "1"]), min_size=1, max_size=4))
def test_lookup_gives_a_single_value_or_none(document, parts):
    found = lookup(document, ".".join(parts))
    assert found is None or isinstance(found, str)


@given(st.text(max_size=200), st.integers(min_value=1, max_value=160))
def test_a_screen_value_is_one_line_within_its_length(value, length):
    shown = screen_value(value, length)
    assert len(shown) <= length
    assert "\n" not in shown and "\r" not in shown and shown == shown.strip()
