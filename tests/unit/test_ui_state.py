"""tokviz.ui.state: URL values are parsed and clamped; a widget keeps its value when it is not drawn."""
from __future__ import annotations

import doctest

from streamlit.testing.v1 import AppTest

import tokviz.ui.state as state


def test_docstring_examples():
    assert doctest.testmod(state).failed == 0


class TestParseUrlValue:
    def test_out_of_range_number_is_clamped(self):
        assert state.parse_url_value("1000", 20, parse=int, bounds=(5, 50)) == 50
        assert state.parse_url_value("-3", 20, parse=int, bounds=(5, 50)) == 5

    def test_garbage_falls_back_to_default(self):
        assert state.parse_url_value("lots", 20, parse=int) == 20
        assert state.parse_url_value("nan", 2.5, parse=float) == 2.5
        assert state.parse_url_value("inf", 2.5, parse=float) == 2.5

    def test_unknown_option_falls_back(self):
        assert state.parse_url_value("xyz", "eng", options=["eng", "fra"]) == "eng"

    def test_list_keeps_known_items_in_order(self):
        assert state.parse_url_value("b,zz,a", [], options=["a", "b"]) == ["b", "a"]

    def test_bool(self):
        assert state.parse_url_value("1", False) is True
        assert state.parse_url_value("maybe", False) is False


def _script():
    import streamlit as st

    from tokviz.ui.state import bind

    show = st.checkbox("show", key="show", value=True)
    if show:
        st.slider("price", 0.0, 100.0, **bind("price", 2.5, url="price", bounds=(0.0, 100.0)))
    st.write(f"price={st.session_state.get('_tokviz_keep:price')}")


def test_value_survives_a_run_without_the_widget():
    at = AppTest.from_function(_script).run()
    at.slider(key="price").set_value(7.0).run()
    assert at.query_params["price"] == ["7.0"] or at.query_params["price"] == "7.0"
    at.checkbox(key="show").uncheck().run()   # the slider is not drawn in this run
    at.checkbox(key="show").check().run()
    assert at.slider(key="price").value == 7.0


def test_url_value_is_clamped_into_the_widget_range():
    at = AppTest.from_function(_script)
    at.query_params["price"] = "1000"
    at.run()
    assert not at.exception
    assert at.slider(key="price").value == 100.0
