"""Where a string is still stored: every column of every table, read with SQL.

Introspects the database (``connection.introspection``), so a table or a
column added later is searched too. Each column is cast to text, so text,
JSON and any other column count. The needle must be ASCII (JSON columns on
SQLite store other characters escaped).
"""

from __future__ import annotations

from django.db import connection


def _escaped(needle: str) -> str:
    return needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def copies_of(needle: str) -> list[tuple[str, str]]:
    """``(table, column)`` of every column whose value contains ``needle`` in some row."""
    assert needle.isascii(), "JSON columns escape non-ASCII characters: use an ASCII needle"
    found: list[tuple[str, str]] = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                cursor.execute(
                    f"SELECT 1 FROM {quote(table)} WHERE CAST({quote(column.name)} AS TEXT) LIKE %s ESCAPE '\\' LIMIT 1",
                    [f"%{_escaped(needle)}%"],
                )
                if cursor.fetchone() is not None:
                    found.append((table, column.name))
    return found


def searched_columns() -> int:
    """How many columns :func:`copies_of` reads (a test checks it reads some)."""
    with connection.cursor() as cursor:
        return sum(
            len(connection.introspection.get_table_description(cursor, table))
            for table in connection.introspection.table_names(cursor)
        )
