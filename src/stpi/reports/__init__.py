"""Documents the plan calls for: workbooks, bulletins, assessments."""

__all__: list[str] = []
