"""site search: entries, plugin sources, and the full-text index of each database

SQLite gets the FTS5 table core_search_fts (rowid = entry id, columns of
pre-tokenized title and body); PostgreSQL a tsvector column with a GIN index.
The tokens come from core.search_text, so Chinese is indexed as bigrams.

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-11-28 07:30:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'core_0004'
down_revision = 'core_0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('core_search_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('ref', sa.String(length=500), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('visible_from', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('search_vector', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_core_search_entries')),
    sa.UniqueConstraint('source', 'ref', name='uq_core_search_entries_source_ref')
    )
    with op.batch_alter_table('core_search_entries', schema=None) as batch_op:
        batch_op.create_index('ix_core_search_entries_visible_from', ['visible_from'], unique=False)
        batch_op.create_index(
            'ix_core_search_entries_search_vector', ['search_vector'], unique=False, postgresql_using='gin'
        )

    op.create_table('core_search_sources',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_core_search_sources'))
    )

    if op.get_bind().dialect.name == 'sqlite':
        # unicode61 only splits the space-separated tokens we store; diacritics are
        # kept as PostgreSQL's 'simple' configuration keeps them.
        op.execute(
            "CREATE VIRTUAL TABLE core_search_fts USING fts5("
            "title, body, tokenize = 'unicode61 remove_diacritics 0')"
        )


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP TABLE IF EXISTS core_search_fts")
    op.drop_table('core_search_sources')
    with op.batch_alter_table('core_search_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_core_search_entries_search_vector', postgresql_using='gin')
        batch_op.drop_index('ix_core_search_entries_visible_from')
    op.drop_table('core_search_entries')
