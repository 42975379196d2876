"""A fake Jira server (real HTTP on 127.0.0.1) for the connector tests and the benchmark."""
