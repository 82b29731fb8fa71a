"""feedkit.fetch package."""
