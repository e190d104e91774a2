"""competitions tables

Revision ID: competitions_0001
Revises: (branch base; depends on core_0004)
Create Date: 2026-11-28 09:51:16.005569

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'competitions_0001'
down_revision = None
branch_labels = ('competitions',)
depends_on = 'core_0004'  # users, organisations and media that entries point at


def upgrade():
    op.create_table('competitions_competitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('listed', sa.Boolean(), nullable=False),
    sa.Column('entry_fields', sa.JSON(), nullable=False),
    sa.Column('entry_limit_per_org', sa.Integer(), nullable=True),
    sa.Column('judges_per_entry', sa.Integer(), nullable=False),
    sa.Column('aggregation_method', sa.String(length=20), nullable=False),
    sa.Column('normalise_judges', sa.Boolean(), nullable=False),
    sa.Column('vote_weight', sa.Float(), nullable=False),
    sa.Column('tie_breaks', sa.JSON(), nullable=False),
    sa.Column('quota_policy', sa.String(length=30), nullable=False),
    sa.Column('tiers_per_category', sa.Boolean(), nullable=False),
    sa.Column('share_comments', sa.Boolean(), nullable=False),
    sa.Column('share_scores', sa.Boolean(), nullable=False),
    sa.Column('votes_per_day', sa.Integer(), nullable=False),
    sa.Column('vote_members_only', sa.Boolean(), nullable=False),
    sa.Column('hide_vote_counts', sa.Boolean(), nullable=False),
    sa.Column('results_published_at', sa.DateTime(), nullable=True),
    sa.Column('copied_from_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['copied_from_id'], ['competitions_competitions.id'], name=op.f('fk_competitions_competitions_copied_from_id_competitions_competitions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competitions_competitions')),
    sa.UniqueConstraint('slug', name=op.f('uq_competitions_competitions_slug'))
    )
    op.create_table('competitions_award_tiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('quota', sa.Integer(), nullable=True),
    sa.Column('min_score', sa.Float(), nullable=True),
    sa.Column('recommended_onward', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions_competitions.id'], name=op.f('fk_competitions_award_tiers_competition_id_competitions_competitions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competitions_award_tiers')),
    sa.UniqueConstraint('competition_id', 'name', name=op.f('uq_competitions_award_tiers_competition_id'))
    )
    op.create_table('competitions_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions_competitions.id'], name=op.f('fk_competitions_categories_competition_id_competitions_competitions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competitions_categories')),
    sa.UniqueConstraint('competition_id', 'name', name=op.f('uq_competitions_categories_competition_id'))
    )
    op.create_table('competitions_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('min_score', sa.Float(), nullable=False),
    sa.Column('max_score', sa.Float(), nullable=False),
    sa.Column('step', sa.Float(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions_competitions.id'], name=op.f('fk_competitions_criteria_competition_id_competitions_competitions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competitions_criteria')),
    sa.UniqueConstraint('competition_id', 'key', name=op.f('uq_competitions_criteria_competition_id'))
    )
    op.create_table('competitions_special_awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('basis', sa.String(length=20), nullable=False),
    sa.Column('winners', sa.Integer(), nullable=False),
    sa.Column('per_category', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions_competitions.id'], name=op.f('fk_competitions_special_awards_competition_id_competitions_competitions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competitions_special_awards')),
    sa.UniqueConstraint('competition_id', 'name', name=op.f('uq_competitions_special_awards_competition_id'))
    )
    op.create_table('competitions_stages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('opens_at', sa.DateTime(), nullable=False),
    sa.Column('closes_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions_competitions.id'], name=op.f('fk_competitions_stages_competition_id_competitions_competitions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competitions_stages')),
    sa.UniqueConstraint('competition_id', 'kind', name=op.f('uq_competitions_stages_competition_id'))
    )
    op.create_table('competitions_panels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['competitions_categories.id'], name=op.f('fk_competitions_panels_category_id_competitions_categories'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions_competitions.id'], name=op.f('fk_competitions_panels_competition_id_competitions_competitions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competitions_panels'))
    )
    op.create_table('competitions_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.String(length=30), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('team_members', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('screening', sa.String(length=16), nullable=False),
    sa.Column('screening_reason', sa.String(length=1000), nullable=False),
    sa.Column('screened_by_id', sa.Integer(), nullable=True),
    sa.Column('screened_at', sa.DateTime(), nullable=True),
    sa.Column('panel_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['competitions_categories.id'], name=op.f('fk_competitions_entries_category_id_competitions_categories'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions_competitions.id'], name=op.f('fk_competitions_entries_competition_id_competitions_competitions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['core_users.id'], name=op.f('fk_competitions_entries_created_by_id_core_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['core_organisations.id'], name=op.f('fk_competitions_entries_organisation_id_core_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['panel_id'], ['competitions_panels.id'], name=op.f('fk_competitions_entries_panel_id_competitions_panels'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['screened_by_id'], ['core_users.id'], name=op.f('fk_competitions_entries_screened_by_id_core_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competitions_entries')),
    sa.UniqueConstraint('competition_id', 'number', name=op.f('uq_competitions_entries_competition_id'))
    )
    with op.batch_alter_table('competitions_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competitions_entries_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_competitions_entries_competition_id'), ['competition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_competitions_entries_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_competitions_entries_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_competitions_entries_panel_id'), ['panel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_competitions_entries_screening'), ['screening'], unique=False)
        batch_op.create_index(batch_op.f('ix_competitions_entries_status'), ['status'], unique=False)

    op.create_table('competitions_panel_judges',
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['panel_id'], ['competitions_panels.id'], name=op.f('fk_competitions_panel_judges_panel_id_competitions_panels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['core_users.id'], name=op.f('fk_competitions_panel_judges_user_id_core_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('panel_id', 'user_id', name=op.f('pk_competitions_panel_judges'))
    )
    op.create_table('competitions_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['core_users.id'], name=op.f('fk_competitions_assignments_assigned_by_id_core_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entry_id'], ['competitions_entries.id'], name=op.f('fk_competitions_assignments_entry_id_competitions_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['judge_id'], ['core_users.id'], name=op.f('fk_competitions_assignments_judge_id_core_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competitions_assignments')),
    sa.UniqueConstraint('entry_id', 'judge_id', name=op.f('uq_competitions_assignments_entry_id'))
    )
    with op.batch_alter_table('competitions_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competitions_assignments_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_competitions_assignments_judge_id'), ['judge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_competitions_assignments_submitted_at'), ['submitted_at'], unique=False)

    op.create_table('competitions_conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('declared_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('entry_id IS NOT NULL OR organisation_id IS NOT NULL', name=op.f('ck_competitions_conflicts_entry_or_organisation')),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions_competitions.id'], name=op.f('fk_competitions_conflicts_competition_id_competitions_competitions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['declared_by_id'], ['core_users.id'], name=op.f('fk_competitions_conflicts_declared_by_id_core_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entry_id'], ['competitions_entries.id'], name=op.f('fk_competitions_conflicts_entry_id_competitions_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['judge_id'], ['core_users.id'], name=op.f('fk_competitions_conflicts_judge_id_core_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['core_organisations.id'], name=op.f('fk_competitions_conflicts_organisation_id_core_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competitions_conflicts'))
    )
    with op.batch_alter_table('competitions_conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competitions_conflicts_competition_id'), ['competition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_competitions_conflicts_judge_id'), ['judge_id'], unique=False)

    op.create_table('competitions_entry_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('media_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['competitions_entries.id'], name=op.f('fk_competitions_entry_attachments_entry_id_competitions_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['media_id'], ['core_media.id'], name=op.f('fk_competitions_entry_attachments_media_id_core_media'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competitions_entry_attachments'))
    )
    with op.batch_alter_table('competitions_entry_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competitions_entry_attachments_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_competitions_entry_attachments_media_id'), ['media_id'], unique=False)

    op.create_table('competitions_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('tied', sa.Boolean(), nullable=False),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.Column('final_score', sa.Float(), nullable=False),
    sa.Column('expert_score', sa.Float(), nullable=False),
    sa.Column('vote_score', sa.Float(), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('judges', sa.Integer(), nullable=False),
    sa.Column('tier', sa.String(length=100), nullable=True),
    sa.Column('recommended_onward', sa.Boolean(), nullable=False),
    sa.Column('boundary_tie', sa.Boolean(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.Column('special_awards', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['competitions_categories.id'], name=op.f('fk_competitions_results_category_id_competitions_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions_competitions.id'], name=op.f('fk_competitions_results_competition_id_competitions_competitions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['competitions_entries.id'], name=op.f('fk_competitions_results_entry_id_competitions_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competitions_results')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_competitions_results_entry_id'))
    )
    with op.batch_alter_table('competitions_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competitions_results_competition_id'), ['competition_id'], unique=False)

    op.create_table('competitions_special_award_winners',
    sa.Column('special_award_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['core_users.id'], name=op.f('fk_competitions_special_award_winners_decided_by_id_core_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entry_id'], ['competitions_entries.id'], name=op.f('fk_competitions_special_award_winners_entry_id_competitions_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['special_award_id'], ['competitions_special_awards.id'], name=op.f('fk_competitions_special_award_winners_special_award_id_competitions_special_awards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('special_award_id', 'entry_id', name=op.f('pk_competitions_special_award_winners'))
    )
    op.create_table('competitions_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('voter_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('voided_at', sa.DateTime(), nullable=True),
    sa.Column('voided_by_id', sa.Integer(), nullable=True),
    sa.Column('void_reason', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['competition_id'], ['competitions_competitions.id'], name=op.f('fk_competitions_votes_competition_id_competitions_competitions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['competitions_entries.id'], name=op.f('fk_competitions_votes_entry_id_competitions_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['voided_by_id'], ['core_users.id'], name=op.f('fk_competitions_votes_voided_by_id_core_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['voter_id'], ['core_users.id'], name=op.f('fk_competitions_votes_voter_id_core_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competitions_votes')),
    sa.UniqueConstraint('entry_id', 'voter_id', 'day', 'slot', name=op.f('uq_competitions_votes_entry_id'))
    )
    with op.batch_alter_table('competitions_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competitions_votes_competition_id'), ['competition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_competitions_votes_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_competitions_votes_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_competitions_votes_voter_id'), ['voter_id'], unique=False)

    op.create_table('competitions_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('comment', sa.String(length=2000), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['competitions_assignments.id'], name=op.f('fk_competitions_scores_assignment_id_competitions_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['criterion_id'], ['competitions_criteria.id'], name=op.f('fk_competitions_scores_criterion_id_competitions_criteria'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competitions_scores')),
    sa.UniqueConstraint('assignment_id', 'criterion_id', name=op.f('uq_competitions_scores_assignment_id'))
    )
    with op.batch_alter_table('competitions_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competitions_scores_assignment_id'), ['assignment_id'], unique=False)



def downgrade():
    with op.batch_alter_table('competitions_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competitions_scores_assignment_id'))

    op.drop_table('competitions_scores')
    with op.batch_alter_table('competitions_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competitions_votes_voter_id'))
        batch_op.drop_index(batch_op.f('ix_competitions_votes_entry_id'))
        batch_op.drop_index(batch_op.f('ix_competitions_votes_created_at'))
        batch_op.drop_index(batch_op.f('ix_competitions_votes_competition_id'))

    op.drop_table('competitions_votes')
    op.drop_table('competitions_special_award_winners')
    with op.batch_alter_table('competitions_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competitions_results_competition_id'))

    op.drop_table('competitions_results')
    with op.batch_alter_table('competitions_entry_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competitions_entry_attachments_media_id'))
        batch_op.drop_index(batch_op.f('ix_competitions_entry_attachments_entry_id'))

    op.drop_table('competitions_entry_attachments')
    with op.batch_alter_table('competitions_conflicts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competitions_conflicts_judge_id'))
        batch_op.drop_index(batch_op.f('ix_competitions_conflicts_competition_id'))

    op.drop_table('competitions_conflicts')
    with op.batch_alter_table('competitions_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competitions_assignments_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_competitions_assignments_judge_id'))
        batch_op.drop_index(batch_op.f('ix_competitions_assignments_entry_id'))

    op.drop_table('competitions_assignments')
    op.drop_table('competitions_panel_judges')
    with op.batch_alter_table('competitions_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competitions_entries_status'))
        batch_op.drop_index(batch_op.f('ix_competitions_entries_screening'))
        batch_op.drop_index(batch_op.f('ix_competitions_entries_panel_id'))
        batch_op.drop_index(batch_op.f('ix_competitions_entries_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_competitions_entries_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_competitions_entries_competition_id'))
        batch_op.drop_index(batch_op.f('ix_competitions_entries_category_id'))

    op.drop_table('competitions_entries')
    op.drop_table('competitions_panels')
    op.drop_table('competitions_stages')
    op.drop_table('competitions_special_awards')
    op.drop_table('competitions_criteria')
    op.drop_table('competitions_categories')
    op.drop_table('competitions_award_tiers')
    op.drop_table('competitions_competitions')
