"""feedkit.link package."""
