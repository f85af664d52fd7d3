"""Streamlit-side helpers: the only part of tokviz that imports streamlit."""
