"""partner_recruitment: used challenge nonces, organisation hash

Revision ID: partner_recruitment_0002
Revises: partner_recruitment_0001
Create Date: 2026-11-28 16:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'partner_recruitment_0002'
down_revision = 'partner_recruitment_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partner_recruitment_used_challenges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_recruitment_used_challenges')),
    sa.UniqueConstraint('nonce', name=op.f('uq_partner_recruitment_used_challenges_nonce'))
    )
    with op.batch_alter_table('partner_recruitment_used_challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_recruitment_used_challenges_used_at'), ['used_at'], unique=False)

    with op.batch_alter_table('partner_recruitment_applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('org_hash', sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f('ix_partner_recruitment_applications_org_hash'), ['org_hash'], unique=False)


def downgrade():
    with op.batch_alter_table('partner_recruitment_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_recruitment_applications_org_hash'))
        batch_op.drop_column('org_hash')

    with op.batch_alter_table('partner_recruitment_used_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_recruitment_used_challenges_used_at'))

    op.drop_table('partner_recruitment_used_challenges')
