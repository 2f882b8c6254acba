"""Positions and diagnostics: errors are values with a place until the edge prints them."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict


class Span(BaseModel):
    """Where a construct stands: file, 1-based line and column of its first and last character."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    @classmethod
    def at(cls, file: str, line: int, column: int, end_line: int, end_column: int) -> Span:
        """A span from positional arguments (the parser's hot path)."""
        return cls(file=file, line=line, column=column, end_line=end_line, end_column=end_column)


class Severity(str, Enum):
    error = "error"
    warning = "warning"


class Diagnostic(BaseModel):
    """One finding: a code such as K012, a lowercase message, a place and one concrete fix."""

    model_config = ConfigDict(frozen=True)

    code: str
    severity: Severity
    message: str
    span: Span
    help: str = ""
    related: tuple[Span, ...] = ()

    def sort_key(self) -> tuple[str, int, int, str, int, int, str]:
        span = self.span
        return (span.file, span.line, span.column, self.code, span.end_line, span.end_column, self.message)
