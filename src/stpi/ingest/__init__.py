"""Excel/CSV data-entry templates and validated, all-or-nothing import of submissions.

Pure functions on files and plain data: the store calls them and owns the database.
"""

from stpi.ingest.layout import TemplateIdentity
from stpi.ingest.numbers import MISSING_TOKENS, is_count_unit, parse_number
from stpi.ingest.reader import Submission, SubmissionRow, read_submission
from stpi.ingest.template import TemplateRow, TemplateSpec, row_bounds, write_template

__all__ = [
    "MISSING_TOKENS",
    "Submission",
    "SubmissionRow",
    "TemplateIdentity",
    "TemplateRow",
    "TemplateSpec",
    "is_count_unit",
    "parse_number",
    "read_submission",
    "row_bounds",
    "write_template",
]
