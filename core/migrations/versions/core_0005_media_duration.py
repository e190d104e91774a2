"""media duration: a video's length in seconds, read from its headers at upload

Revision ID: core_0005
Revises: core_0004
Create Date: 2026-11-28 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0005'
down_revision = 'core_0004'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on SQLite too (ADD COLUMN; DROP COLUMN needs SQLite 3.35+), never batch's
# copy-and-drop of the table: other tables' foreign keys point at this one, and SQLite refuses to
# drop a table that rows elsewhere still reference.


def upgrade():
    with op.batch_alter_table('core_media', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('duration', sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table('core_media', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('duration')
