"""neurostim.fibers."""

__all__: list[str] = []
