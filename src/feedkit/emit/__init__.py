"""feedkit.emit package."""
