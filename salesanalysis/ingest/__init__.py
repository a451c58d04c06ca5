"""Ingest: read sources, map their columns, coerce types and validate rows into accepted
and rejected rows with reasons."""
