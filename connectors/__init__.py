"""All IO: Jira, files, the demo generator, settings, and the one load path into the
warehouse (`connectors.load`). Never imports streamlit, plotly or `dashboard`."""
