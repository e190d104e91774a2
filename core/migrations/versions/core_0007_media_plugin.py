"""media plugin: a private file that a plugin serves through its own permission check

Revision ID: core_0007
Revises: core_0006
Create Date: 2026-11-28 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0007'
down_revision = 'core_0006'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on SQLite (see core_0005): other tables' foreign keys point at core_media.


def upgrade():
    with op.batch_alter_table('core_media', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('plugin', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('core_media', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('plugin')
