"""What a command, page or document shows, computed from one snapshot of the store; returns plain objects / DataFrames, never prints.

Every read function takes a :class:`stpi.readmodel.Snapshot` (from :func:`stpi.readmodel.snapshot`)
and its parameters, and is a pure function of them: no database URL, no store opened here. What it
computes is memoised on the snapshot (``snap.memo``), so the pages and documents of one revision share
one index computation, one tracking table, one assessment. The few lists outside the read model (the
audit trail behind timeliness, accounts, the supervision ledger) are read through ``snap.source``.
Functions that write (entries, uploads, reviews, locks, notes, demo data) take the
:class:`stpi.store.Store` itself, the one door for writes.

The command line (``stpi.cli``) and the web app (``stpi.web``) both call these functions, so what a
command prints and what a page shows come from the same numbers.
"""
