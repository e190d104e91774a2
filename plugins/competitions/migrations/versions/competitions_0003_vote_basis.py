"""vote basis: the vote part relative to the category's best, or by rank points

Revision ID: competitions_0003
Revises: competitions_0002
Create Date: 2026-11-28 13:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'competitions_0003'
down_revision = 'competitions_0002'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('competitions_competitions',
                  sa.Column('vote_basis', sa.String(length=20), nullable=False, server_default='relative'))


def downgrade():
    with op.batch_alter_table('competitions_competitions', recreate='never') as batch_op:
        batch_op.drop_column('vote_basis')
