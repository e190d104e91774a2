"""scoped editing: a news section or a page subtree root may name the permission that lets its holders edit it

Revision ID: core_0006
Revises: core_0005
Create Date: 2026-11-28 15:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0006'
down_revision = 'core_0005'
branch_labels = None
depends_on = None


# Plain ADD COLUMN (recreate='never'), as in core_0005: other tables point at both tables.


def upgrade():
    with op.batch_alter_table('core_sections', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('edit_permission', sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f('ix_core_sections_edit_permission'), ['edit_permission'], unique=False)
    with op.batch_alter_table('core_pages', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('edit_permission', sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f('ix_core_pages_edit_permission'), ['edit_permission'], unique=False)


def downgrade():
    with op.batch_alter_table('core_pages', schema=None, recreate='never') as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_pages_edit_permission'))
        batch_op.drop_column('edit_permission')
    with op.batch_alter_table('core_sections', schema=None, recreate='never') as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_sections_edit_permission'))
        batch_op.drop_column('edit_permission')
