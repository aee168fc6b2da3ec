"""The statements a span's create runs, built by the ORM once per process instead of once
per request.

Building a query costs Django far more than running it. The live spans of an article as
`screen_changes` reads them, 30 spans on PostgreSQL: 1.25 ms of CPU through `values_list()`,
0.11 ms for the same SQL sent through the cursor, 0.79 ms of the difference spent building
and compiling the query. A create ran eight statements, and under load the server's CPU per
create is what bounds the spans a desk can store per second (issue 10: 175 spans/s on two
cores needs under 8 ms of the server's CPU per create).

`PreparedQuery` keeps the queryset as the one definition of a statement (its SQL on each
database, its joins, its converters) and only skips rebuilding it: the queryset is built
once per database with marked values in the places of the arguments, compiled, and run
afterwards with the arguments in those places. `insert` writes one model instance as
`Model.save()` would on a create (the same fields, `pre_save` values and database values),
with the INSERT statement's text built once per model and database.

What they leave out, on purpose: no signals are sent for the instances `insert` writes
(no receiver listens to these models; `tests/test_statements.py` checks that), and
only integer arguments can be marked (ids and versions are what these statements vary by).
"""

import threading
from collections.abc import Callable

from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.sql import InsertQuery

# The marked values stand for arguments while a query is compiled. They must be integers
# that no column range check rewrites (Django turns an out-of-range integer lookup into an
# empty result), and that nothing else in a statement equals: the constants a statement
# holds are states and kinds, never numbers this large.
_MARK_BASE = 2_146_000_000


class PreparedQuery:
    """A `values_list()` query built and compiled once per database, run with new integer
    arguments: `rows(article_id=3, since=12)` is `build(article_id=3, since=12)` listed.

    `build` takes the arguments as keywords and returns the queryset; it is called once
    per database vendor, with marked values, so it must not branch on their values.
    """

    def __init__(self, build: Callable[..., QuerySet], *arguments: str):
        self.build = build
        self.arguments = arguments
        self._compiled: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def rows(self, **values: int) -> list:
        compiled = self._compiled.get(connection.vendor)
        if compiled is None:
            compiled = self._compile()
        sql, params, slots, width, converters = compiled
        params = list(params)
        for index, name in slots:
            params[index] = values[name]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if width is not None:  # ordered by a column it does not select
            rows = [row[:width] for row in rows]
        if not converters:
            return rows
        return [_converted(row, converters) for row in rows]

    def _compile(self) -> tuple:
        marks = {name: _MARK_BASE + index for index, name in enumerate(self.arguments)}
        queryset = self.build(**marks)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        names = {mark: name for name, mark in marks.items()}
        slots = [(index, names[param]) for index, param in enumerate(params) if param in names]
        missing = set(self.arguments) - {name for _, name in slots}
        if missing or any(str(mark) in sql for mark in marks.values()):
            raise ValueError(
                f"{self.build.__qualname__}: the arguments {sorted(missing)} are not parameters "
                "of the statement (written into its text, or not used): build it without them."
            )
        width = compiler.col_count if compiler.has_extra_select else None
        columns = compiler.select[: compiler.col_count]
        converters = list(compiler.get_converters([column[0] for column in columns]).items())
        compiled = (sql, tuple(params), slots, width, converters)
        with self._lock:
            self._compiled[connection.vendor] = compiled
        return compiled


def field_names(model: type[Model]) -> list[str]:
    """Every concrete field of `model` as `values_list()` names them, in the order
    `instance` takes their values (a foreign key's value is its id)."""
    return [field.name for field in model._meta.concrete_fields]


def instance(model: type[Model], values) -> Model:
    """The `model` instance of a row read by `field_names(model)`, as the ORM loads one."""
    names = [field.attname for field in model._meta.concrete_fields]
    return model.from_db(connection.alias, names, values)


def _converted(row, converters) -> tuple:
    """The row with Django's converters applied (SQLite's booleans and decimals, say)."""
    row = list(row)
    for position, (functions, expression) in converters:
        value = row[position]
        for function in functions:
            value = function(value, expression, connection)
        row[position] = value
    return tuple(row)


_INSERTS: dict[tuple[type[Model], str], tuple] = {}


def insert(instance: Model) -> Model:
    """Write a new `instance` as `instance.save()` would on a create, without signals; its
    primary key (and any column the database returns) set, its state saved."""
    model = type(instance)
    key = (model, connection.vendor)
    prepared = _INSERTS.get(key)
    if prepared is None:
        prepared = _INSERTS[key] = _insert_statement(model)
    sql, fields, returning, returning_params = prepared
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection=connection)
        for field in fields
    ]
    values += returning_params
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    for field, value in zip(returning, row, strict=True):
        setattr(instance, field.attname, value)
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


def _insert_statement(model: type[Model]) -> tuple:
    """The INSERT of one `model` row as `Model._save_table` builds it for a new instance
    with no primary key yet: its text, the fields whose values it takes, in order, and the
    fields it returns."""
    meta = model._meta
    fields = [
        field
        for field in meta.local_concrete_fields
        if field is not meta.auto_field and not field.generated and not field.has_db_default()
    ]
    returning = list(meta.db_returning_fields)
    if not connection.features.can_return_columns_from_insert:
        raise NotImplementedError(f"{connection.vendor} cannot return the new row's id.")
    query = InsertQuery(model)
    query.insert_values(fields, [model()], raw=False)
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = returning
    (sql, params), *rest = compiler.as_sql()
    returning_params = list(compiler.returning_params)
    if rest or len(params) != len(fields) + len(returning_params):
        raise NotImplementedError(f"{model.__name__}: a field's value is not one parameter.")
    return sql, fields, returning, returning_params
