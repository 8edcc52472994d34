"""Where a string is stored: every text, character and JSON column of every
table, found by introspection (so a table added later is scanned too)."""

from __future__ import annotations

import json

from django.db import connection

TEXT_TYPES = {"CharField", "TextField", "JSONField", "SlugField", "EmailField", "GenericIPAddressField", "URLField"}


def text_columns() -> list[tuple[str, str]]:
    """``(table, column)`` of every column holding text or JSON."""
    columns = []
    with connection.cursor() as cursor:
        for table in connection.introspection.get_table_list(cursor):
            if table.type != "t":
                continue
            for column in connection.introspection.get_table_description(cursor, table.name):
                if connection.introspection.get_field_type(column.type_code, column) in TEXT_TYPES:
                    columns.append((table.name, column.name))
    return columns


def _forms(value: str) -> set[str]:
    # JSON stored as text (SQLite) escapes non-ASCII characters: "Zo\\u00e9".
    return {value, json.dumps(value)[1:-1]}


def where_stored(*values: str) -> list[tuple[str, str, str]]:
    """``(value, table, column)`` for each column holding one of ``values``
    (as a substring), in its stored form or JSON-escaped."""
    quote = connection.ops.quote_name
    found = []
    with connection.cursor() as cursor:
        for table, column in text_columns():
            for value in values:
                for form in _forms(value):
                    pattern = "%" + form.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                    cursor.execute(
                        f"SELECT COUNT(*) FROM {quote(table)} WHERE CAST({quote(column)} AS TEXT) LIKE %s ESCAPE '\\'",
                        [pattern],
                    )
                    if cursor.fetchone()[0]:
                        found.append((value, table, column))
    return found


def table_rows() -> dict[str, list[tuple]]:
    """Every row of every table, ordered: compares the whole database before and after."""
    quote = connection.ops.quote_name
    rows = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.get_table_list(cursor):
            if table.type != "t":
                continue
            cursor.execute(f"SELECT * FROM {quote(table.name)}")
            rows[table.name] = sorted(map(repr, cursor.fetchall()))
    return rows
