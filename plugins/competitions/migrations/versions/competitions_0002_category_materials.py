"""category materials: required material groups and the longest video per category; the entry's text

Revision ID: competitions_0002
Revises: competitions_0001
Create Date: 2026-11-28 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'competitions_0002'
down_revision = 'competitions_0001'
branch_labels = None
depends_on = 'core_0005'  # Media.duration, which the video length rule reads


# Plain ALTER TABLE on SQLite too (ADD COLUMN; DROP COLUMN needs SQLite 3.35+), never batch's
# copy-and-drop of the table: other tables' foreign keys point at this one, and SQLite refuses to
# drop a table that rows elsewhere still reference.


def upgrade():
    with op.batch_alter_table('competitions_categories', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('materials', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column('max_video_seconds', sa.Integer(), nullable=True))
    with op.batch_alter_table('competitions_entries', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('body', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('competitions_entries', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('body')
    with op.batch_alter_table('competitions_categories', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('max_video_seconds')
        batch_op.drop_column('materials')
