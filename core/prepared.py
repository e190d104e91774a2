"""Hot read statements run on the driver's cursor, compiled once per dialect.

SQLAlchemy spends more on each execution (cache key, compiled-cache look-up, execution
context, result metadata) than SQLite spends answering the small statements an uncached
public page asks. A ``PreparedRead`` does that work once: it compiles its statement for
the connection's dialect, keeps the SQL text, the bind and result type processors and
the values of the statement's own literals, and then runs it on the DBAPI cursor of the
session's connection when the session is already in a transaction, else of a pool
connection the request's prepared reads share until the request ends (``read``). Rows
come back as plain tuples with the same Python values SQLAlchemy would give (dates on
SQLite included).

What stays SQLAlchemy's: a driver error is raised as SQLAlchemy's wrapped error (the
site's 503 handler and retry logic see what they always see) and a dropped connection is
invalidated as Connection.execute would. When the engine echoes SQL or has cursor event
listeners (tracing, tests counting statements) the ordinary path runs, so they see every
statement.
"""
from flask.globals import _cv_app
from sqlalchemy import exc

from core.extensions import db

CONNECTION = "_prepared_read_connection"  # on g: the connection read() took for this request


def init_app(app):
    """Give read()'s connection back when the request ends (or the app context, outside requests)."""

    def give_back_connection(_error=None):
        app_context = _cv_app.get(None)
        connection = app_context.g.__dict__.pop(CONNECTION, None) if app_context is not None else None
        if connection is not None:
            connection.close()

    app.teardown_request(give_back_connection)
    app.teardown_appcontext(give_back_connection)


class PreparedRead:
    """``PreparedRead(build)``: build() returns a select (or union) whose parameters are
    ``bindparam(name)``; ``rows(connection, name=value, ...)`` runs it."""

    def __init__(self, build):
        self._build = build
        self._statement = None
        self._compiled = {}  # dialect name -> _Compiled

    @property
    def statement(self):
        if self._statement is None:
            self._statement = self._build()
        return self._statement

    def read(self, **params):
        """rows() on the request's session connection if the session is already in a transaction
        (it sees what the session sees), else on a pool connection of the prepared reads' own,
        given back when the request ends: a page that reads nothing else through the session then
        never builds one, and its reads share one checkout."""
        registry = db.session.registry
        if registry.has():
            session = registry()
            if session.in_transaction():
                return self.rows(session.connection(), **params)
        values = _cv_app.get().g.__dict__  # (the session above already needs an app context)
        connection = values.get(CONNECTION)
        if connection is None or connection.closed or connection.invalidated:
            if connection is not None:
                connection.close()  # an invalidated one still goes back to the pool
            connection = values[CONNECTION] = db.engine.connect()
        return self.rows(connection, **params)

    def rows(self, connection, **params):
        """The statement's rows as tuples, for these parameter values."""
        engine = connection.engine
        dispatch = engine.dispatch
        dialect = connection.dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _Compiled.of(self.statement, dialect)
        if compiled is False or engine.echo or dispatch.before_cursor_execute or dispatch.after_cursor_execute:
            return [tuple(row) for row in connection.execute(self.statement, params)]
        return compiled.run(connection, params)


class _Compiled:
    @classmethod
    def of(cls, statement, dialect):
        """The compiled form, or False for what only SQLAlchemy's execution can run (a list
        parameter expanded at execution, names the driver needs escaped)."""
        compiled = statement.compile(dialect=dialect)
        if compiled.escaped_bind_names or any(bind.expanding or bind.literal_execute for bind in compiled.bind_names):
            return False
        return cls(statement, compiled, dialect)

    def __init__(self, statement, compiled, dialect):
        self.dialect = dialect
        self.sql = str(compiled)
        binds = {compiled.bind_names[bind]: bind for bind in compiled.bind_names}
        self.literals = {name: bind.effective_value for name, bind in binds.items() if not bind.required}
        self.bind_processors = {
            name: processor
            for name, bind in binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        self.positions = list(compiled.positiontup) if compiled.positional else None
        self.columns = [column.type for column in statement.selected_columns]
        self.result_processors = None  # from the first cursor's description

    def _parameters(self, params):
        values = dict(self.literals)
        values.update(params)
        for name, processor in self.bind_processors.items():
            values[name] = processor(values[name])
        if self.positions is not None:
            return tuple(values[name] for name in self.positions)
        return values

    def _processors(self, description):
        dialect = self.dialect
        return [
            column.dialect_impl(dialect).result_processor(dialect, entry[1])
            for column, entry in zip(self.columns, description)
        ]

    def run(self, connection, params):
        parameters = self._parameters(params)
        proxied = connection.connection  # the pool's connection the session already holds
        cursor = proxied.cursor()
        try:
            cursor.execute(self.sql, parameters)
            rows = cursor.fetchall()
            processors = self.result_processors
            if processors is None:
                processors = self.result_processors = self._processors(cursor.description)
        except self.dialect.loaded_dbapi.Error as error:
            disconnected = self.dialect.is_disconnect(error, proxied, cursor)
            if disconnected:
                connection.invalidate(error)
            raise exc.DBAPIError.instance(
                self.sql, parameters, error, self.dialect.loaded_dbapi.Error,
                connection_invalidated=disconnected, dialect=self.dialect,
            ) from error
        finally:
            cursor.close()
        if not any(processors):
            return rows
        pairs = [(index, processor) for index, processor in enumerate(processors) if processor is not None]
        processed = []
        for row in rows:
            row = list(row)
            for index, processor in pairs:
                row[index] = processor(row[index])
            processed.append(tuple(row))
        return processed
