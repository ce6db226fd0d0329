"""neurostim.field."""

__all__: list[str] = []
