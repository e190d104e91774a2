"""page gallery: an ordered list of public images on a page or news post

Revision ID: core_0008
Revises: core_0007
Create Date: 2026-11-28 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0008'
down_revision = 'core_0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'core_page_gallery',
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('media_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('caption', sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(['media_id'], ['core_media.id'], name=op.f('fk_core_page_gallery_media_id_core_media'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['page_id'], ['core_pages.id'], name=op.f('fk_core_page_gallery_page_id_core_pages'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('page_id', 'media_id', name=op.f('pk_core_page_gallery')),
    )
    with op.batch_alter_table('core_page_gallery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_core_page_gallery_media_id'), ['media_id'], unique=False)


def downgrade():
    with op.batch_alter_table('core_page_gallery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_core_page_gallery_media_id'))
    op.drop_table('core_page_gallery')
