"""neurostim.intrathecal."""

__all__: list[str] = []
