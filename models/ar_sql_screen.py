"""A screen read from an SQL query (a model with a ``_table_query``) whose
reads run with statement settings of their own (``sql_tools.settings``).

The worklist, the cash-in forecast and the aged receivables are such
queries: costed by the planner far above what they run (its estimates of
the addon's and Odoo's partial indexes are pessimistic), so that
PostgreSQL would compile them with its JIT for longer than they run, or,
for the open items, read every journal item instead of the index of
unreconciled ones. The settings hold for the read only: the ORM's reads
that run the query are wrapped here, and flush first what the transaction
changed (the query reads other models' tables, which the ORM does not know
to flush).
"""

import contextlib
import gc

from odoo import api, models
from odoo.osv import expression
from odoo.tools import SQL

from . import sql_tools


def group_domain_head(domain, conditions):
    """The start of a group's domain as Odoo writes it (the list's domain,
    then each grouping's condition, ANDed): the ``&`` operators and the
    list's domain, normalised, to which each group appends its
    ``conditions`` (that many complete terms)."""
    base = expression.normalize_domain(domain)
    base = [] if base == expression.TRUE_DOMAIN else base
    return ["&"] * (conditions - (0 if base else 1)) + base


@contextlib.contextmanager
def gc_paused():
    """Python's cyclic garbage collector paused while a screen builds tens
    of thousands of groups (dicts and lists that hold no cycle, freed by
    their reference counts): its full passes over the whole server's heap,
    which those allocations set off, were a third of the forecast pivot's
    time. Restored afterwards, whatever happens.

    Re-enabled as it is, the collector's next young-generation pass would
    still walk every object made meanwhile (41 ms for the pivot's 53,000
    cells) to move them to the old generation; ``freeze`` then ``unfreeze``
    moves them there at once, without walking them. The old generation is
    still collected as usual (its full passes), so nothing leaks."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


class ArSqlScreenMixin(models.AbstractModel):
    _name = "ar.sql.screen.mixin"
    _description = "Screen Read from an SQL Query"

    # The settings of this screen's reads (see sql_tools).
    _ar_read_settings = sql_tools.SCREEN_SETTINGS

    def _ar_read_context(self, settings=None):
        # the query reads other models' tables: what the transaction changed
        # in them goes to the database first
        self.env.flush_all()
        return sql_tools.settings(self.env, settings or self._ar_read_settings)

    @api.model
    def search_fetch(self, domain, field_names, offset=0, limit=None, order=None):
        with self._ar_read_context():
            return super().search_fetch(
                domain, field_names, offset=offset, limit=limit, order=order
            )

    def fetch(self, field_names):
        with self._ar_read_context():
            return super().fetch(field_names)

    @api.model
    def search_count(self, domain, limit=None):
        with self._ar_read_context():
            return super().search_count(domain, limit=limit)

    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), *args, **kwargs):
        with self._ar_read_context():
            return super()._read_group(domain, groupby, aggregates, *args, **kwargs)

    @api.model
    def web_search_read(
        self, domain, specification, offset=0, limit=None, order=None, count_limit=None
    ):
        """A page of the list and how many rows match, from one run of the
        query (``COUNT(*) OVER ()`` beside the page's columns), where Odoo
        runs it twice: the page, then a count. The page's values (every column
        of the query) go to the cache as Odoo's own fetch puts them
        (``_fetch_query``), then are read as Odoo reads them (``web_read``)."""
        # every column (few): a related field of the page (a currency)
        # reads its own from the cache, not from another run of the query
        fields = [
            field
            for name, field in self._fields.items()
            if name != "id" and field.store and field.column_type
        ]
        rows = None
        if limit:
            with self._ar_read_context():
                query = self._search(
                    domain, offset=offset, limit=limit, order=order or self._order
                )
                rows = self.env.execute_query(
                    query.select(
                        SQL.identifier(self._table, "id"),
                        *(
                            self._field_to_sql(self._table, f.name, query)
                            for f in fields
                        ),
                        SQL("COUNT(*) OVER ()"),
                    )
                )
        if not rows:  # not paged, or past the last page: Odoo's own reading
            return super().web_search_read(
                domain,
                specification,
                offset=offset,
                limit=limit,
                order=order,
                count_limit=count_limit,
            )
        ids, *columns, totals = zip(*rows, strict=True)
        records = self.browse(ids)
        for field, values in zip(fields, columns, strict=True):
            self.env.cache.insert_missing(records, field, values)
        length = totals[0]  # every matching row, before the page's offset
        return {
            "length": min(length, count_limit) if count_limit else length,
            "records": records.web_read(specification),
        }
