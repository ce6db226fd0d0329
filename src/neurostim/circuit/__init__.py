"""neurostim.circuit."""

__all__: list[str] = []
