"""feedkit.store package."""
