"""Charts: DataFrame in, plotly Figure out; no streamlit. One module per capability."""
