"""What the benchmarks share: a throwaway PostgreSQL schema for one run."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager


def pg_schema_url(base: str) -> tuple[str, str]:
    """A URL whose search_path is a new schema, and the schema's name (drop it with :func:`drop_schema`)."""
    import psycopg

    schema = f"stpi_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}", schema


def drop_schema(base: str, schema: str) -> None:
    """Remove the run's schema and everything in it."""
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


PG_BASE = "postgresql://postgres@127.0.0.1:5432/test"


@contextmanager
def pg_database(base: str | None = None) -> Iterator[str]:
    """A store URL on a fresh schema of the PostgreSQL at ``base`` (STPI_BENCH_PG, else the local test database), dropped afterwards."""
    base = base or os.environ.get("STPI_BENCH_PG", PG_BASE)
    url, schema = pg_schema_url(base)
    try:
        yield url
    finally:
        drop_schema(base, schema)
