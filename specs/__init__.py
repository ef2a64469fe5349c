"""Machine-readable protocol tables (CSV), installed as package data."""
