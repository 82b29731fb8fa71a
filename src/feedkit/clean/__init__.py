"""Cleaning: sanitizing, boilerplate removal, full-text extraction."""
