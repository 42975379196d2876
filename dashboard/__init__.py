"""UI layer: Streamlit pages, plotly charts, PowerPoint slides and the `retroscope` CLI."""
